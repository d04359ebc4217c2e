// Cordon corlib: System.IntPtr and System.UIntPtr (native int, 64 bits on Cordon).
//
// C# before 9 has no `nint`, so every arithmetic or conversion on these goes
// through the operators below; each is a one-instruction conv the JIT can
// inline.

namespace System
{
    public unsafe struct IntPtr
    {
        private void* m_value;

        public static readonly IntPtr Zero;

        public IntPtr(int value)
        {
            m_value = (void*)value;
        }

        public IntPtr(long value)
        {
            m_value = (void*)value;
        }

        public IntPtr(void* value)
        {
            m_value = value;
        }

        public static int Size
        {
            get { return sizeof(void*); }
        }

        public int ToInt32()
        {
            return (int)(long)m_value;
        }

        public long ToInt64()
        {
            return (long)m_value;
        }

        public void* ToPointer()
        {
            return m_value;
        }

        public static explicit operator IntPtr(int value)
        {
            return new IntPtr(value);
        }

        public static explicit operator IntPtr(long value)
        {
            return new IntPtr(value);
        }

        public static explicit operator IntPtr(void* value)
        {
            return new IntPtr(value);
        }

        public static explicit operator void*(IntPtr value)
        {
            return value.m_value;
        }

        public static explicit operator int(IntPtr value)
        {
            return (int)(long)value.m_value;
        }

        public static explicit operator long(IntPtr value)
        {
            return (long)value.m_value;
        }

        public static bool operator ==(IntPtr a, IntPtr b)
        {
            return a.m_value == b.m_value;
        }

        public static bool operator !=(IntPtr a, IntPtr b)
        {
            return a.m_value != b.m_value;
        }

        public static IntPtr operator +(IntPtr p, int offset)
        {
            return new IntPtr((byte*)p.m_value + offset);
        }

        public static IntPtr operator -(IntPtr p, int offset)
        {
            return new IntPtr((byte*)p.m_value - offset);
        }

        public override bool Equals(object obj)
        {
            return obj is IntPtr && ((IntPtr)obj).m_value == m_value;
        }

        public override int GetHashCode()
        {
            long v = (long)m_value;
            return (int)v ^ (int)(v >> 32);
        }

        public override string ToString()
        {
            return Number.FormatInt64((long)m_value);
        }
    }

    public unsafe struct UIntPtr
    {
        private void* m_value;

        public static readonly UIntPtr Zero;

        public UIntPtr(uint value)
        {
            m_value = (void*)value;
        }

        public UIntPtr(ulong value)
        {
            m_value = (void*)value;
        }

        public UIntPtr(void* value)
        {
            m_value = value;
        }

        public static int Size
        {
            get { return sizeof(void*); }
        }

        public uint ToUInt32()
        {
            return (uint)(ulong)m_value;
        }

        public ulong ToUInt64()
        {
            return (ulong)m_value;
        }

        public void* ToPointer()
        {
            return m_value;
        }

        public static explicit operator UIntPtr(uint value)
        {
            return new UIntPtr(value);
        }

        public static explicit operator UIntPtr(ulong value)
        {
            return new UIntPtr(value);
        }

        public static explicit operator UIntPtr(void* value)
        {
            return new UIntPtr(value);
        }

        public static explicit operator void*(UIntPtr value)
        {
            return value.m_value;
        }

        public static explicit operator uint(UIntPtr value)
        {
            return (uint)(ulong)value.m_value;
        }

        public static explicit operator ulong(UIntPtr value)
        {
            return (ulong)value.m_value;
        }

        public static bool operator ==(UIntPtr a, UIntPtr b)
        {
            return a.m_value == b.m_value;
        }

        public static bool operator !=(UIntPtr a, UIntPtr b)
        {
            return a.m_value != b.m_value;
        }

        public override bool Equals(object obj)
        {
            return obj is UIntPtr && ((UIntPtr)obj).m_value == m_value;
        }

        public override int GetHashCode()
        {
            ulong v = (ulong)m_value;
            return (int)v ^ (int)(v >> 32);
        }

        public override string ToString()
        {
            return Number.FormatUInt64((ulong)m_value);
        }
    }
}
