// Cordon corlib: EqualityComparer<T>.Default and Comparer<T>.Default.
//
// One comparer per instantiation (each closed type has its own statics).
// Equality goes through Object.Equals/GetHashCode (a constrained call for
// value types: Int32.Equals(object) boxes its argument); ordering through
// IComparable<T>, then IComparable.

namespace System.Collections.Generic
{
    public abstract class EqualityComparer<T> : IEqualityComparer<T>
    {
        static EqualityComparer<T> _default;

        public static EqualityComparer<T> Default
        {
            get
            {
                if (_default == null)
                    _default = Create();
                return _default;
            }
        }

        // The common keys get comparers that never box (ObjectEqualityComparer
        // boxes the second argument of a value type's Equals(object)).
        static EqualityComparer<T> Create()
        {
            if (typeof(T) == typeof(int))
                return (EqualityComparer<T>)(object)new Int32EqualityComparer();
            if (typeof(T) == typeof(long))
                return (EqualityComparer<T>)(object)new Int64EqualityComparer();
            if (typeof(T) == typeof(string))
                return (EqualityComparer<T>)(object)new StringEqualityComparer();
            return new ObjectEqualityComparer<T>();
        }

        public abstract bool Equals(T x, T y);
        public abstract int GetHashCode(T obj);
    }

    internal sealed class Int32EqualityComparer : EqualityComparer<int>
    {
        public override bool Equals(int x, int y)
        {
            return x == y;
        }

        public override int GetHashCode(int obj)
        {
            return obj;
        }
    }

    internal sealed class Int64EqualityComparer : EqualityComparer<long>
    {
        public override bool Equals(long x, long y)
        {
            return x == y;
        }

        public override int GetHashCode(long obj)
        {
            return (int)obj ^ (int)(obj >> 32);
        }
    }

    internal sealed class StringEqualityComparer : EqualityComparer<string>
    {
        public override bool Equals(string x, string y)
        {
            return string.Equals(x, y);
        }

        public override int GetHashCode(string obj)
        {
            return obj == null ? 0 : obj.GetHashCode();
        }
    }

    internal sealed class ObjectEqualityComparer<T> : EqualityComparer<T>
    {
        public override bool Equals(T x, T y)
        {
            if (x == null)
                return y == null;
            if (y == null)
                return false;
            return x.Equals(y);
        }

        public override int GetHashCode(T obj)
        {
            if (obj == null)
                return 0;
            return obj.GetHashCode();
        }
    }

    public abstract class Comparer<T> : IComparer<T>
    {
        static Comparer<T> _default;

        public static Comparer<T> Default
        {
            get
            {
                if (_default == null)
                    _default = new ObjectComparer<T>();
                return _default;
            }
        }

        public abstract int Compare(T x, T y);
    }

    internal sealed class ObjectComparer<T> : Comparer<T>
    {
        public override int Compare(T x, T y)
        {
            if (x == null)
                return y == null ? 0 : -1;
            if (y == null)
                return 1;
            IComparable<T> g = x as IComparable<T>;
            if (g != null)
                return g.CompareTo(y);
            IComparable c = x as IComparable;
            if (c != null)
                return c.CompareTo(y);
            throw new ArgumentException("At least one object must implement IComparable.");
        }
    }

    internal sealed class ComparisonComparer<T> : IComparer<T>
    {
        Comparison<T> _comparison;

        public ComparisonComparer(Comparison<T> comparison)
        {
            _comparison = comparison;
        }

        public int Compare(T x, T y)
        {
            return _comparison(x, y);
        }
    }
}
