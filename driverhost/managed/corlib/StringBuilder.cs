// Cordon corlib: System.Text.StringBuilder.
//
// One growable char[] (doubling); ToString copies the used part into a new
// string. Append(object) appends the object's ToString() (nothing for
// null), as .NET does.

namespace System.Text
{
    public sealed class StringBuilder
    {
        private char[] _chars;
        private int _length;

        public StringBuilder()
        {
            _chars = new char[16];
        }

        public StringBuilder(int capacity)
        {
            if (capacity < 0)
                throw new ArgumentOutOfRangeException("capacity");
            _chars = new char[capacity > 0 ? capacity : 16];
        }

        public StringBuilder(string value) : this(value == null ? 16 : value.Length + 16)
        {
            Append(value);
        }

        public int Length
        {
            get { return _length; }
            set
            {
                if (value < 0)
                    throw new ArgumentOutOfRangeException("value");
                Reserve(value);
                // Growing pads with '\0', as .NET does.
                for (int i = _length; i < value; i++)
                    _chars[i] = '\0';
                _length = value;
            }
        }

        public int Capacity
        {
            get { return _chars.Length; }
        }

        [System.Runtime.CompilerServices.IndexerName("Chars")]
        public char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length)
                    throw new IndexOutOfRangeException();
                return _chars[index];
            }
            set
            {
                if ((uint)index >= (uint)_length)
                    throw new IndexOutOfRangeException();
                _chars[index] = value;
            }
        }

        private void Reserve(int total)
        {
            if (total <= _chars.Length)
                return;
            int size = _chars.Length * 2;
            if (size < total)
                size = total;
            char[] bigger = new char[size];
            Array.Copy(_chars, bigger, _length);
            _chars = bigger;
        }

        public StringBuilder Append(char value)
        {
            Reserve(_length + 1);
            _chars[_length++] = value;
            return this;
        }

        public StringBuilder Append(char value, int repeatCount)
        {
            if (repeatCount < 0)
                throw new ArgumentOutOfRangeException("repeatCount");
            Reserve(_length + repeatCount);
            for (int i = 0; i < repeatCount; i++)
                _chars[_length++] = value;
            return this;
        }

        public StringBuilder Append(string value)
        {
            if (value == null)
                return this;
            return Append(value, 0, value.Length);
        }

        public unsafe StringBuilder Append(string value, int startIndex, int count)
        {
            if (value == null)
            {
                if (startIndex == 0 && count == 0)
                    return this;
                throw new ArgumentNullException("value");
            }
            if (startIndex < 0 || count < 0 || startIndex > value.Length - count)
                throw new ArgumentOutOfRangeException("startIndex");
            if (count == 0)
                return this;
            Reserve(_length + count);
            fixed (char* d = &_chars[_length])
                String.CopyCharsOut(value, startIndex, d, count);
            _length += count;
            return this;
        }

        public StringBuilder Append(object value)
        {
            if (value == null)
                return this;
            return Append(value.ToString());
        }

        public StringBuilder Append(int value) { return Append(value.ToString()); }
        public StringBuilder Append(uint value) { return Append(value.ToString()); }
        public StringBuilder Append(long value) { return Append(value.ToString()); }
        public StringBuilder Append(ulong value) { return Append(value.ToString()); }
        public StringBuilder Append(bool value) { return Append(value.ToString()); }

        public StringBuilder AppendLine()
        {
            return Append('\n');
        }

        public StringBuilder AppendLine(string value)
        {
            Append(value);
            return Append('\n');
        }

        public StringBuilder Insert(int index, string value)
        {
            if ((uint)index > (uint)_length)
                throw new ArgumentOutOfRangeException("index");
            if (value == null || value.Length == 0)
                return this;
            int n = value.Length;
            Reserve(_length + n);
            // Array.Copy moves overlapping ranges correctly.
            Array.Copy(_chars, index, _chars, index + n, _length - index);
            for (int i = 0; i < n; i++)
                _chars[index + i] = value[i];
            _length += n;
            return this;
        }

        public StringBuilder Remove(int startIndex, int length)
        {
            if (startIndex < 0 || length < 0 || startIndex > _length - length)
                throw new ArgumentOutOfRangeException("startIndex");
            Array.Copy(_chars, startIndex + length, _chars, startIndex, _length - startIndex - length);
            _length -= length;
            return this;
        }

        public StringBuilder Clear()
        {
            _length = 0;
            return this;
        }

        public override string ToString()
        {
            return new string(_chars, 0, _length);
        }
    }
}
