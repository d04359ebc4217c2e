// Cordon corlib: the integer primitives.
//
// All eight follow one pattern (kept deliberately identical so a
// reader can check one and trust the rest). ToString is real C# (see
// Number.cs); parsing and format strings are out of scope.

namespace System
{
    public struct SByte
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private sbyte m_value;
        #pragma warning restore 0649

        public const sbyte MinValue = -128;
        public const sbyte MaxValue = 127;

        public override bool Equals(object obj)
        {
            return obj is sbyte && (sbyte)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value;
        }

        public override string ToString()
        {
            return Number.FormatInt64(m_value);
        }
    }

    public struct Byte
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private byte m_value;
        #pragma warning restore 0649

        public const byte MinValue = 0;
        public const byte MaxValue = 255;

        public override bool Equals(object obj)
        {
            return obj is byte && (byte)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value;
        }

        public override string ToString()
        {
            return Number.FormatUInt64(m_value);
        }
    }

    public struct Int16
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private short m_value;
        #pragma warning restore 0649

        public const short MinValue = -32768;
        public const short MaxValue = 32767;

        public override bool Equals(object obj)
        {
            return obj is short && (short)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value;
        }

        public override string ToString()
        {
            return Number.FormatInt64(m_value);
        }
    }

    public struct UInt16
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private ushort m_value;
        #pragma warning restore 0649

        public const ushort MinValue = 0;
        public const ushort MaxValue = 65535;

        public override bool Equals(object obj)
        {
            return obj is ushort && (ushort)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value;
        }

        public override string ToString()
        {
            return Number.FormatUInt64(m_value);
        }
    }

    public struct Int32 : IComparable, IComparable<int>, IEquatable<int>
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private int m_value;
        #pragma warning restore 0649

        public const int MinValue = -2147483647 - 1;
        public const int MaxValue = 2147483647;

        public override bool Equals(object obj)
        {
            return obj is int && (int)obj == m_value;
        }

        public override int GetHashCode()
        {
            return m_value;
        }

        public int CompareTo(int value)
        {
            return m_value < value ? -1 : (m_value > value ? 1 : 0);
        }

        public int CompareTo(object obj)
        {
            if (obj == null)
                return 1;
            if (!(obj is int))
                throw new ArgumentException("Object must be of type Int32.");
            return CompareTo((int)obj);
        }

        public bool Equals(int obj)
        {
            return m_value == obj;
        }

        public override string ToString()
        {
            return Number.FormatInt64(m_value);
        }
    }

    public struct UInt32
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private uint m_value;
        #pragma warning restore 0649

        public const uint MinValue = 0;
        public const uint MaxValue = 4294967295;

        public override bool Equals(object obj)
        {
            return obj is uint && (uint)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value;
        }

        public override string ToString()
        {
            return Number.FormatUInt64(m_value);
        }
    }

    public struct Int64 : IComparable, IComparable<long>, IEquatable<long>
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private long m_value;
        #pragma warning restore 0649

        public const long MinValue = -9223372036854775807L - 1;
        public const long MaxValue = 9223372036854775807;

        public override bool Equals(object obj)
        {
            return obj is long && (long)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value ^ (int)(m_value >> 32);
        }

        public int CompareTo(long value)
        {
            return m_value < value ? -1 : (m_value > value ? 1 : 0);
        }

        public int CompareTo(object obj)
        {
            if (obj == null)
                return 1;
            if (!(obj is long))
                throw new ArgumentException("Object must be of type Int64.");
            return CompareTo((long)obj);
        }

        public bool Equals(long obj)
        {
            return m_value == obj;
        }

        public override string ToString()
        {
            return Number.FormatInt64(m_value);
        }
    }

    public struct UInt64
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private ulong m_value;
        #pragma warning restore 0649

        public const ulong MinValue = 0;
        public const ulong MaxValue = 18446744073709551615;

        public override bool Equals(object obj)
        {
            return obj is ulong && (ulong)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value ^ (int)(m_value >> 32);
        }

        public override string ToString()
        {
            return Number.FormatUInt64(m_value);
        }
    }

}
