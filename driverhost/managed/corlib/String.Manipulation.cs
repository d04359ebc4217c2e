// Cordon corlib: System.String, the methods that search, split, join and
// transform (the rest of String is in String.cs, with the layout contract).
//
// Ordinal only: comparisons are char by char, and ToUpper/ToLower change
// ASCII letters only (mono's invariant-culture results agree for ASCII).
// Trim's whitespace is Unicode's White_Space set, as Char.IsWhiteSpace.

namespace System
{
    public sealed partial class String
    {
        internal static bool IsWhiteSpaceChar(char c)
        {
            if (c == ' ' || (c >= '\t' && c <= '\r') || c == '\u0085' || c == '\u00A0')
                return true;
            if (c < '\u1680')
                return false;
            return c == '\u1680' || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029'
                || c == '\u202F' || c == '\u205F' || c == '\u3000';
        }

        public int IndexOf(char value, int startIndex)
        {
            if (startIndex < 0 || startIndex > _length)
                throw new ArgumentOutOfRangeException("startIndex");
            for (int i = startIndex; i < _length; i++)
            {
                if (this[i] == value)
                    return i;
            }
            return -1;
        }

        public int IndexOf(string value)
        {
            return IndexOf(value, 0);
        }

        public int IndexOf(string value, int startIndex)
        {
            if (value == null)
                throw new ArgumentNullException("value");
            if (startIndex < 0 || startIndex > _length)
                throw new ArgumentOutOfRangeException("startIndex");
            for (int i = startIndex; i + value._length <= _length; i++)
            {
                if (MatchesAt(i, value))
                    return i;
            }
            return -1;
        }

        public int LastIndexOf(char value)
        {
            for (int i = _length - 1; i >= 0; i--)
            {
                if (this[i] == value)
                    return i;
            }
            return -1;
        }

        public bool Contains(string value)
        {
            return IndexOf(value) >= 0;
        }

        public bool EndsWith(string value)
        {
            if (value == null)
                throw new ArgumentNullException("value");
            return value._length <= _length && MatchesAt(_length - value._length, value);
        }

        private bool MatchesAt(int at, string value)
        {
            for (int j = 0; j < value._length; j++)
            {
                if (this[at + j] != value[j])
                    return false;
            }
            return true;
        }

        public string Trim()
        {
            int start = 0;
            int end = _length;
            while (start < end && IsWhiteSpaceChar(this[start]))
                start++;
            while (end > start && IsWhiteSpaceChar(this[end - 1]))
                end--;
            return Substring(start, end - start);
        }

        public string TrimStart()
        {
            int start = 0;
            while (start < _length && IsWhiteSpaceChar(this[start]))
                start++;
            return Substring(start);
        }

        public string TrimEnd()
        {
            int end = _length;
            while (end > 0 && IsWhiteSpaceChar(this[end - 1]))
                end--;
            return Substring(0, end);
        }

        public string Trim(char trimChar)
        {
            int start = 0;
            int end = _length;
            while (start < end && this[start] == trimChar)
                start++;
            while (end > start && this[end - 1] == trimChar)
                end--;
            return Substring(start, end - start);
        }

        public unsafe string Replace(char oldChar, char newChar)
        {
            if (IndexOf(oldChar) < 0)
                return this;
            string s = FastAllocateString(_length);
            fixed (char* d = &s._firstChar)
            {
                for (int i = 0; i < _length; i++)
                {
                    char c = this[i];
                    d[i] = c == oldChar ? newChar : c;
                }
            }
            return s;
        }

        public string Replace(string oldValue, string newValue)
        {
            if (oldValue == null)
                throw new ArgumentNullException("oldValue");
            if (oldValue._length == 0)
                throw new ArgumentException("String cannot be of zero length.", "oldValue");
            if (newValue == null)
                newValue = "";
            int at = IndexOf(oldValue);
            if (at < 0)
                return this;
            System.Text.StringBuilder sb = new System.Text.StringBuilder();
            int from = 0;
            while (at >= 0)
            {
                sb.Append(this, from, at - from);
                sb.Append(newValue);
                from = at + oldValue._length;
                at = IndexOf(oldValue, from);
            }
            sb.Append(this, from, _length - from);
            return sb.ToString();
        }

        public unsafe string ToUpper()
        {
            string s = FastAllocateString(_length);
            fixed (char* d = &s._firstChar)
            {
                for (int i = 0; i < _length; i++)
                {
                    char c = this[i];
                    d[i] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
                }
            }
            return s;
        }

        public unsafe string ToLower()
        {
            string s = FastAllocateString(_length);
            fixed (char* d = &s._firstChar)
            {
                for (int i = 0; i < _length; i++)
                {
                    char c = this[i];
                    d[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
                }
            }
            return s;
        }

        public string ToUpperInvariant()
        {
            return ToUpper();
        }

        public string ToLowerInvariant()
        {
            return ToLower();
        }

        public string[] Split(params char[] separator)
        {
            // Count the pieces first, then cut them out.
            int pieces = 1;
            for (int i = 0; i < _length; i++)
            {
                if (IsSeparator(this[i], separator))
                    pieces++;
            }
            string[] result = new string[pieces];
            int n = 0;
            int start = 0;
            for (int i = 0; i < _length; i++)
            {
                if (IsSeparator(this[i], separator))
                {
                    result[n++] = Substring(start, i - start);
                    start = i + 1;
                }
            }
            result[n] = Substring(start);
            return result;
        }

        // No separators (null or empty) means whitespace, as in .NET.
        private static bool IsSeparator(char c, char[] separator)
        {
            if (separator == null || separator.Length == 0)
                return IsWhiteSpaceChar(c);
            for (int i = 0; i < separator.Length; i++)
            {
                if (separator[i] == c)
                    return true;
            }
            return false;
        }

        public static string Join(string separator, params string[] value)
        {
            if (value == null)
                throw new ArgumentNullException("value");
            System.Text.StringBuilder sb = new System.Text.StringBuilder();
            for (int i = 0; i < value.Length; i++)
            {
                if (i > 0)
                    sb.Append(separator);
                sb.Append(value[i]);
            }
            return sb.ToString();
        }

        public static string Join(string separator, params object[] values)
        {
            if (values == null)
                throw new ArgumentNullException("values");
            System.Text.StringBuilder sb = new System.Text.StringBuilder();
            for (int i = 0; i < values.Length; i++)
            {
                if (i > 0)
                    sb.Append(separator);
                sb.Append(values[i]);
            }
            return sb.ToString();
        }
    }
}
