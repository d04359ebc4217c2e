// Cordon corlib: System.Boolean and System.Char.
//
// A primitive's single field has the primitive's own type; the compiler and
// the JIT treat the struct as the primitive itself.

namespace System
{
    public struct Boolean
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private bool m_value;
        #pragma warning restore 0649

        public static readonly string TrueString = "True";
        public static readonly string FalseString = "False";

        public override bool Equals(object obj)
        {
            return obj is bool && (bool)obj == m_value;
        }

        public override int GetHashCode()
        {
            return m_value ? 1 : 0;
        }

        public override string ToString()
        {
            return m_value ? "True" : "False";
        }
    }

    public struct Char
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private char m_value;
        #pragma warning restore 0649

        public const char MinValue = '\0';
        public const char MaxValue = '\uffff';

        public override bool Equals(object obj)
        {
            return obj is char && (char)obj == m_value;
        }

        public override int GetHashCode()
        {
            return (int)m_value | ((int)m_value << 16);
        }

        public override string ToString()
        {
            return String.FromChar(m_value);
        }

        public static bool IsDigit(char c)
        {
            return c >= '0' && c <= '9';
        }

        public static bool IsWhiteSpace(char c)
        {
            return c == ' ' || (c >= '\t' && c <= '\r') || c == '\u00a0' || c == '\u0085';
        }
    }
}
