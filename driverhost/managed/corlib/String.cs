// Cordon corlib: System.String.
//
// Layout contract with the runtime: a string object is the object header,
// then `_length` (int32, UTF-16 code units), then `_length` chars starting at
// `_firstChar`, then a terminating '\0' the runtime also allocates. Strings are
// immutable once returned from this file; the only writers are the helpers
// below, which fill a fresh string from FastAllocateString.
//
// Constructors: `newobj String::.ctor(args)` cannot work like other classes
// because the size depends on the arguments. As in CoreCLR, the JIT compiles
// it as a call to the static `Ctor(args)` below with the same parameters,
// which returns the new string. The extern constructors exist only so that
// C# can say `new string(...)`; they are never called.

using System.Runtime.CompilerServices;

namespace System
{
    public sealed partial class String : IComparable, IComparable<string>, IEquatable<string>
    {
        #pragma warning disable 0649 // set by FastAllocateString in the runtime
        private int _length;
        #pragma warning restore 0649
        private char _firstChar;

        public static readonly string Empty = "";

        // INTERNALCALL (see Ctor above): never executed, redirected to Ctor.
        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern String(char[] value);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern String(char[] value, int startIndex, int length);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern String(char c, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public unsafe extern String(char* value, int startIndex, int length);

        // INTERNALCALL: allocate a string of `length` chars (all '\0', plus the
        // terminator) with `_length` set. The runtime throws
        // OutOfMemoryException when it cannot, and never returns null.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern string FastAllocateString(int length);

        private static string Ctor(char[] value)
        {
            if (value == null || value.Length == 0)
                return Empty;
            return Ctor(value, 0, value.Length);
        }

        private static unsafe string Ctor(char[] value, int startIndex, int length)
        {
            if (value == null)
                throw new ArgumentNullException("value");
            if (startIndex < 0 || length < 0 || startIndex > value.Length - length)
                throw new ArgumentOutOfRangeException("startIndex");
            if (length == 0)
                return Empty;
            fixed (char* p = &value[startIndex])
                return FromChars(p, length);
        }

        private static unsafe string Ctor(char c, int count)
        {
            if (count < 0)
                throw new ArgumentOutOfRangeException("count");
            if (count == 0)
                return Empty;
            string s = FastAllocateString(count);
            fixed (char* d = &s._firstChar)
            {
                for (int i = 0; i < count; i++)
                    d[i] = c;
            }
            return s;
        }

        private static unsafe string Ctor(char* value, int startIndex, int length)
        {
            if (length < 0 || startIndex < 0)
                throw new ArgumentOutOfRangeException("length");
            if (length == 0)
                return Empty;
            if (value == null)
                throw new ArgumentNullException("value");
            return FromChars(value + startIndex, length);
        }

        internal static unsafe string FromChars(char* chars, int length)
        {
            if (length == 0)
                return Empty;
            string s = FastAllocateString(length);
            fixed (char* d = &s._firstChar)
                CopyChars(d, chars, length);
            return s;
        }

        internal static unsafe string FromChar(char c)
        {
            return FromChars(&c, 1);
        }

        public int Length
        {
            get { return _length; }
        }

        // Compiles to `get_Chars`, the name the CLI expects for the indexer.
        [IndexerName("Chars")]
        public unsafe char this[int index]
        {
            get
            {
                // One unsigned compare covers index < 0 too.
                if ((uint)index >= (uint)_length)
                    throw new IndexOutOfRangeException();
                fixed (char* p = &_firstChar)
                    return p[index];
            }
        }

        public static bool IsNullOrEmpty(string value)
        {
            return value == null || value.Length == 0;
        }

        // Copies all of `src` into `dest` (a fresh string) at `at`.
        private static unsafe void FillAt(string dest, int at, string src)
        {
            int n = src._length;
            if (n == 0)
                return;
            fixed (char* d = &dest._firstChar)
            fixed (char* s = &src._firstChar)
                CopyChars(d + at, s, n);
        }

        // INTERNALCALL: copy `n` chars (the runtime's memmove).
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern unsafe void MoveChars(char* d, char* s, int n);

        // Copy `n` chars that do not overlap: long runs through the
        // runtime's memmove, short ones here four at a time (x86-64 takes
        // unaligned 8-byte moves; the collector never moves objects, so the
        // pointers stay valid), then the rest one by one.
        internal static unsafe void CopyChars(char* d, char* s, int n)
        {
            if (n >= 32)
            {
                MoveChars(d, s, n);
                return;
            }
            int i = 0;
            for (; i <= n - 4; i += 4)
                *(long*)(d + i) = *(long*)(s + i);
            for (; i < n; i++)
                d[i] = s[i];
        }

        // Copy chars [index, index + count) of `src` (checked by the caller)
        // to `dest`.
        internal static unsafe void CopyCharsOut(string src, int index, char* dest, int count)
        {
            fixed (char* s = &src._firstChar)
                CopyChars(dest, s + index, count);
        }

        // The decimal text of `value`, with a minus sign before it when
        // `negative`: the digits are counted first and written from the end
        // straight into the new string (Number.cs formats integers with it).
        internal static unsafe string FromDecimal(ulong value, bool negative)
        {
            int digits = 1;
            for (ulong v = value; v >= 10; v /= 10)
                digits++;
            int start = negative ? 1 : 0;
            string r = FastAllocateString(start + digits);
            fixed (char* d = &r._firstChar)
            {
                if (negative)
                    d[0] = '-';
                char* p = d + start + digits;
                // 32-bit division while the value fits: cheaper than 64-bit.
                while (value > 0xFFFFFFFFUL)
                {
                    *--p = (char)('0' + (int)(value % 10));
                    value /= 10;
                }
                uint small = (uint)value;
                do
                {
                    *--p = (char)('0' + (int)(small % 10));
                    small /= 10;
                } while (small != 0);
            }
            return r;
        }

        public static string Concat(string a, string b)
        {
            if (IsNullOrEmpty(a))
                return IsNullOrEmpty(b) ? Empty : b;
            if (IsNullOrEmpty(b))
                return a;
            string r = FastAllocateString(a._length + b._length);
            FillAt(r, 0, a);
            FillAt(r, a._length, b);
            return r;
        }

        public static string Concat(string a, string b, string c)
        {
            return Concat(new string[] { a, b, c });
        }

        public static string Concat(string a, string b, string c, string d)
        {
            return Concat(new string[] { a, b, c, d });
        }

        public static string Concat(params string[] values)
        {
            if (values == null)
                throw new ArgumentNullException("values");
            int total = 0;
            for (int i = 0; i < values.Length; i++)
            {
                string v = values[i];
                if (v != null)
                    total = checked(total + v._length);
            }
            if (total == 0)
                return Empty;
            string r = FastAllocateString(total);
            int at = 0;
            for (int i = 0; i < values.Length; i++)
            {
                string v = values[i];
                if (v != null)
                {
                    FillAt(r, at, v);
                    at += v._length;
                }
            }
            return r;
        }

        public static string Concat(object a)
        {
            return a == null ? Empty : a.ToString();
        }

        public static string Concat(object a, object b)
        {
            return Concat(Concat(a), Concat(b));
        }

        public static string Concat(object a, object b, object c)
        {
            return Concat(Concat(a), Concat(b), Concat(c));
        }

        public static string Concat(params object[] values)
        {
            if (values == null)
                throw new ArgumentNullException("values");
            string[] parts = new string[values.Length];
            for (int i = 0; i < values.Length; i++)
                parts[i] = Concat(values[i]);
            return Concat(parts);
        }

        public string Substring(int startIndex)
        {
            return Substring(startIndex, _length - startIndex);
        }

        public unsafe string Substring(int startIndex, int length)
        {
            if (startIndex < 0 || startIndex > _length)
                throw new ArgumentOutOfRangeException("startIndex");
            if (length < 0 || startIndex > _length - length)
                throw new ArgumentOutOfRangeException("length");
            if (length == _length)
                return this;
            fixed (char* p = &_firstChar)
                return FromChars(p + startIndex, length);
        }

        public int IndexOf(char value)
        {
            for (int i = 0; i < _length; i++)
            {
                if (this[i] == value)
                    return i;
            }
            return -1;
        }

        public bool StartsWith(string value)
        {
            if (value == null)
                throw new ArgumentNullException("value");
            if (value._length > _length)
                return false;
            for (int i = 0; i < value._length; i++)
            {
                if (this[i] != value[i])
                    return false;
            }
            return true;
        }

        public char[] ToCharArray()
        {
            char[] a = new char[_length];
            for (int i = 0; i < _length; i++)
                a[i] = this[i];
            return a;
        }

        public static bool Equals(string a, string b)
        {
            if ((object)a == (object)b)
                return true;
            if ((object)a == null || (object)b == null || a._length != b._length)
                return false;
            for (int i = 0; i < a._length; i++)
            {
                if (a[i] != b[i])
                    return false;
            }
            return true;
        }

        public bool Equals(string value)
        {
            return Equals(this, value);
        }

        public override bool Equals(object obj)
        {
            return Equals(this, obj as string);
        }

        public static bool operator ==(string a, string b)
        {
            return Equals(a, b);
        }

        public static bool operator !=(string a, string b)
        {
            return !Equals(a, b);
        }

        // Ordinal comparison: the sign of the first differing char, else of
        // the length difference.
        public static int CompareOrdinal(string a, string b)
        {
            if ((object)a == (object)b)
                return 0;
            if ((object)a == null)
                return -1;
            if ((object)b == null)
                return 1;
            int n = a._length < b._length ? a._length : b._length;
            for (int i = 0; i < n; i++)
            {
                int d = a[i] - b[i];
                if (d != 0)
                    return d;
            }
            return a._length - b._length;
        }

        // Ordinal, not culture-aware as in .NET: the same order for ASCII
        // strings of one case, which is what drivers compare.
        public int CompareTo(string other)
        {
            int d = CompareOrdinal(this, other);
            return d < 0 ? -1 : (d > 0 ? 1 : 0);
        }

        public int CompareTo(object obj)
        {
            if (obj == null)
                return 1;
            string s = obj as string;
            if ((object)s == null)
                throw new ArgumentException("Object must be of type String.");
            return CompareTo(s);
        }

        // FNV-1a over the UTF-16 code units. Stable across runs (unlike .NET's
        // randomized hash), which is what a kernel wants for reproducibility.
        public override int GetHashCode()
        {
            uint h = 2166136261;
            for (int i = 0; i < _length; i++)
            {
                h ^= this[i];
                h *= 16777619;
            }
            return (int)h;
        }

        public override string ToString()
        {
            return this;
        }
    }
}
