// Cordon corlib: System.Single and System.Double.
//
// ToString prints .NET's general format ("G": 7 significant digits for
// float, 15 for double), as mono does; Number.FormatFloat.

namespace System
{
    public struct Single
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private float m_value;
        #pragma warning restore 0649

        public const float MinValue = -3.40282347E+38f;
        public const float MaxValue = 3.40282347E+38f;
        public const float Epsilon = 1.401298E-45f;
        public const float PositiveInfinity = 1.0f / 0.0f;
        public const float NegativeInfinity = -1.0f / 0.0f;
        public const float NaN = 0.0f / 0.0f;

        public static bool IsNaN(float f)
        {
            // NaN is the only value unequal to itself.
#pragma warning disable 1718 // comparing f to itself is the point
            return f != f;
#pragma warning restore 1718
        }

        public static bool IsInfinity(float f)
        {
            return f == PositiveInfinity || f == NegativeInfinity;
        }

        public static bool IsPositiveInfinity(float f)
        {
            return f == PositiveInfinity;
        }

        public static bool IsNegativeInfinity(float f)
        {
            return f == NegativeInfinity;
        }

        public static bool IsFinite(float f)
        {
            // False for NaN (every comparison with NaN is false) and both infinities.
            return f > NegativeInfinity && f < PositiveInfinity;
        }

        public override bool Equals(object obj)
        {
            if (!(obj is float))
                return false;
            float other = (float)obj;
            // Equals, unlike ==, treats NaN as equal to itself.
            return other == m_value || (IsNaN(other) && IsNaN(m_value));
        }

        public override unsafe int GetHashCode()
        {
            float v = m_value;
            if (v == 0.0f)
                return 0; // +0 and -0 are Equal, so hash alike
            return *(int*)&v;
        }

        public override string ToString()
        {
            return Number.FormatFloat(m_value, true);
        }
    }

    public struct Double
    {
        #pragma warning disable 0649 // the value itself; never assigned in C#
        private double m_value;
        #pragma warning restore 0649

        public const double MinValue = -1.7976931348623157E+308;
        public const double MaxValue = 1.7976931348623157E+308;
        public const double Epsilon = 4.94065645841247E-324;
        public const double PositiveInfinity = 1.0 / 0.0;
        public const double NegativeInfinity = -1.0 / 0.0;
        public const double NaN = 0.0 / 0.0;

        public static bool IsNaN(double d)
        {
#pragma warning disable 1718 // comparing d to itself is the point
            return d != d;
#pragma warning restore 1718
        }

        public static bool IsInfinity(double d)
        {
            return d == PositiveInfinity || d == NegativeInfinity;
        }

        public static bool IsPositiveInfinity(double d)
        {
            return d == PositiveInfinity;
        }

        public static bool IsNegativeInfinity(double d)
        {
            return d == NegativeInfinity;
        }

        public static bool IsFinite(double d)
        {
            // False for NaN (every comparison with NaN is false) and both infinities.
            return d > NegativeInfinity && d < PositiveInfinity;
        }

        public override bool Equals(object obj)
        {
            if (!(obj is double))
                return false;
            double other = (double)obj;
            return other == m_value || (IsNaN(other) && IsNaN(m_value));
        }

        public override unsafe int GetHashCode()
        {
            double v = m_value;
            if (v == 0.0)
                return 0;
            long bits = *(long*)&v;
            return (int)bits ^ (int)(bits >> 32);
        }

        public override string ToString()
        {
            return Number.FormatFloat(m_value, false);
        }
    }
}
