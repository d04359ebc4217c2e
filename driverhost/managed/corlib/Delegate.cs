// Cordon corlib: System.Delegate and System.MulticastDelegate.
//
// Layout contract with the JIT (jit/src/compiler/delegates.rs):
//   _target          the object the method is called on (or a static
//                    method's closed-over first argument); null for a
//                    static method.
//   _methodPtr       the method pointer ldftn/ldvirtftn gave: the address
//                    of the method's indirection cell, stable while the
//                    method is compiled lazily, so it identifies the method.
//   _invocationList  for a multicast delegate (Combine of two or more), the
//                    single-cast delegates in call order; otherwise null.
// A delegate type's constructor and Invoke are `runtime managed`: the JIT
// expands them at the call site. Invoke calls every entry of the list (a
// single-cast delegate is a list of one) and returns the last result.

namespace System
{
    public abstract class Delegate
    {
        internal object _target;
        internal IntPtr _methodPtr;
        internal Delegate[] _invocationList;

        protected Delegate()
        {
        }

        public object Target
        {
            get { return _target; }
        }

        public static Delegate Combine(Delegate a, Delegate b)
        {
            if (a == null)
                return b;
            if (b == null)
                return a;
            if ((object)a.GetType() != (object)b.GetType())
                throw new ArgumentException("Delegates must be of the same type.");
            Delegate[] la = a.Flatten();
            Delegate[] lb = b.Flatten();
            Delegate[] list = new Delegate[la.Length + lb.Length];
            for (int i = 0; i < la.Length; i++)
                list[i] = la[i];
            for (int i = 0; i < lb.Length; i++)
                list[la.Length + i] = lb[i];
            return a.WithList(list);
        }

        public static Delegate Combine(params Delegate[] delegates)
        {
            if (delegates == null)
                return null;
            Delegate d = null;
            for (int i = 0; i < delegates.Length; i++)
                d = Combine(d, delegates[i]);
            return d;
        }

        // Removes the last occurrence of value's invocation list, as a
        // contiguous run, from source's.
        public static Delegate Remove(Delegate source, Delegate value)
        {
            if (source == null)
                return null;
            if (value == null)
                return source;
            Delegate[] ls = source.Flatten();
            Delegate[] lv = value.Flatten();
            for (int start = ls.Length - lv.Length; start >= 0; start--)
            {
                bool match = true;
                for (int j = 0; j < lv.Length && match; j++)
                    match = ls[start + j].SameMethod(lv[j]);
                if (!match)
                    continue;
                int n = ls.Length - lv.Length;
                if (n == 0)
                    return null;
                Delegate[] rest = new Delegate[n];
                for (int i = 0; i < start; i++)
                    rest[i] = ls[i];
                for (int i = start + lv.Length; i < ls.Length; i++)
                    rest[i - lv.Length] = ls[i];
                if (n == 1)
                    return rest[0];
                return source.WithList(rest);
            }
            return source;
        }

        public static Delegate RemoveAll(Delegate source, Delegate value)
        {
            Delegate d = source;
            while (true)
            {
                Delegate next = Remove(d, value);
                if ((object)next == (object)d)
                    return d;
                d = next;
            }
        }

        public Delegate[] GetInvocationList()
        {
            Delegate[] list = Flatten();
            Delegate[] copy = new Delegate[list.Length];
            for (int i = 0; i < list.Length; i++)
                copy[i] = list[i];
            return copy;
        }

        public override bool Equals(object obj)
        {
            Delegate d = obj as Delegate;
            if ((object)d == null || (object)d.GetType() != (object)GetType())
                return false;
            Delegate[] a = Flatten();
            Delegate[] b = d.Flatten();
            if (a.Length != b.Length)
                return false;
            for (int i = 0; i < a.Length; i++)
            {
                if (!a[i].SameMethod(b[i]))
                    return false;
            }
            return true;
        }

        public override int GetHashCode()
        {
            return (int)(long)_methodPtr;
        }

        public static bool operator ==(Delegate a, Delegate b)
        {
            if ((object)a == null)
                return (object)b == null;
            return a.Equals(b);
        }

        public static bool operator !=(Delegate a, Delegate b)
        {
            return !(a == b);
        }

        private bool SameMethod(Delegate other)
        {
            return _target == other._target && _methodPtr == other._methodPtr;
        }

        private Delegate[] Flatten()
        {
            if (_invocationList != null)
                return _invocationList;
            Delegate[] one = new Delegate[1];
            one[0] = this;
            return one;
        }

        // A delegate of this one's type calling `list` (two or more);
        // Target is the last one's, as in .NET.
        private Delegate WithList(Delegate[] list)
        {
            Delegate d = (Delegate)MemberwiseClone();
            Delegate last = list[list.Length - 1];
            d._target = last._target;
            d._methodPtr = last._methodPtr;
            d._invocationList = list;
            return d;
        }
    }

    public abstract class MulticastDelegate : Delegate
    {
        protected MulticastDelegate()
        {
        }

        public static bool operator ==(MulticastDelegate a, MulticastDelegate b)
        {
            return (Delegate)a == (Delegate)b;
        }

        public static bool operator !=(MulticastDelegate a, MulticastDelegate b)
        {
            return !((Delegate)a == (Delegate)b);
        }
    }

    // The non-generic member of the Action family.
    public delegate void Action();
}
