// Cordon corlib: System.Math.
//
// The IEEE operations (Sqrt, Floor, Ceiling, Truncate, round-to-even) and
// the elementary functions are InternalCalls: the JIT's runtime implements
// them with the libm crate (jit/src/runtime/math.rs), binding by method
// name, so each extern here has exactly one overload. Everything else is C#.

using System.Runtime.CompilerServices;

namespace System
{
    public enum MidpointRounding
    {
        ToEven = 0,
        AwayFromZero = 1,
        ToZero = 2,
        ToNegativeInfinity = 3,
        ToPositiveInfinity = 4,
    }

    public static class Math
    {
        public const double PI = 3.14159265358979323846;
        public const double E = 2.7182818284590452354;

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Sqrt(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Floor(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Ceiling(double a);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Truncate(double d);

        // IEEE round-to-nearest, ties to even (banker's rounding).
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern double RoundToEven(double a);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Exp(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Log(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Log10(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Pow(double x, double y);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Sin(double a);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Cos(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Tan(double a);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Asin(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Acos(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Atan(double d);

        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern double Atan2(double y, double x);

        public static double Log(double a, double newBase)
        {
            return Log(a) / Log(newBase);
        }

        public static double Round(double a)
        {
            return RoundToEven(a);
        }

        public static double Round(double value, MidpointRounding mode)
        {
            switch (mode)
            {
                case MidpointRounding.ToEven:
                    return RoundToEven(value);
                case MidpointRounding.AwayFromZero:
                {
                    // Truncate, then step away from zero when the dropped
                    // fraction is one half or more.
                    double t = Truncate(value);
                    double frac = value - t;
                    if (frac >= 0.5)
                        return t + 1.0;
                    if (frac <= -0.5)
                        return t - 1.0;
                    return t;
                }
                case MidpointRounding.ToZero:
                    return Truncate(value);
                case MidpointRounding.ToNegativeInfinity:
                    return Floor(value);
                case MidpointRounding.ToPositiveInfinity:
                    return Ceiling(value);
                default:
                    throw new ArgumentException("The value is not a valid MidpointRounding.", "mode");
            }
        }

        public static int Abs(int value)
        {
            if (value < 0)
            {
                if (value == int.MinValue)
                    throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
                return -value;
            }
            return value;
        }

        public static long Abs(long value)
        {
            if (value < 0)
            {
                if (value == long.MinValue)
                    throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
                return -value;
            }
            return value;
        }

        public static short Abs(short value)
        {
            return (short)Abs((int)value);
        }

        public static sbyte Abs(sbyte value)
        {
            return (sbyte)Abs((int)value);
        }

        public static unsafe double Abs(double value)
        {
            // Clear the sign bit: -0.0 and NaN's sign too, as IEEE fabs.
            long bits = *(long*)&value & 0x7FFFFFFFFFFFFFFFL;
            return *(double*)&bits;
        }

        public static unsafe float Abs(float value)
        {
            int bits = *(int*)&value & 0x7FFFFFFF;
            return *(float*)&bits;
        }

        public static int Min(int a, int b) { return a <= b ? a : b; }
        public static uint Min(uint a, uint b) { return a <= b ? a : b; }
        public static long Min(long a, long b) { return a <= b ? a : b; }
        public static ulong Min(ulong a, ulong b) { return a <= b ? a : b; }
        public static short Min(short a, short b) { return a <= b ? a : b; }
        public static ushort Min(ushort a, ushort b) { return a <= b ? a : b; }
        public static byte Min(byte a, byte b) { return a <= b ? a : b; }
        public static sbyte Min(sbyte a, sbyte b) { return a <= b ? a : b; }

        public static int Max(int a, int b) { return a >= b ? a : b; }
        public static uint Max(uint a, uint b) { return a >= b ? a : b; }
        public static long Max(long a, long b) { return a >= b ? a : b; }
        public static ulong Max(ulong a, ulong b) { return a >= b ? a : b; }
        public static short Max(short a, short b) { return a >= b ? a : b; }
        public static ushort Max(ushort a, ushort b) { return a >= b ? a : b; }
        public static byte Max(byte a, byte b) { return a >= b ? a : b; }
        public static sbyte Max(sbyte a, sbyte b) { return a >= b ? a : b; }

        // NaN wins; -0.0 is below +0.0 (IEEE 754-2019 minimum/maximum, as
        // .NET Core 3.0 and later and mono).
        public static double Min(double a, double b)
        {
            if (a != b)
                return double.IsNaN(a) ? a : (a < b ? a : b);
            return IsNegative(a) ? a : b;
        }

        public static double Max(double a, double b)
        {
            if (a != b)
                return double.IsNaN(a) ? a : (a > b ? a : b);
            return IsNegative(b) ? a : b;
        }

        public static float Min(float a, float b)
        {
            return (float)Min((double)a, (double)b);
        }

        public static float Max(float a, float b)
        {
            return (float)Max((double)a, (double)b);
        }

        private static unsafe bool IsNegative(double d)
        {
            return *(long*)&d < 0;
        }

        public static int Sign(int value) { return value < 0 ? -1 : (value > 0 ? 1 : 0); }
        public static int Sign(long value) { return value < 0 ? -1 : (value > 0 ? 1 : 0); }

        public static int Sign(double value)
        {
            if (value < 0)
                return -1;
            if (value > 0)
                return 1;
            if (value == 0)
                return 0;
            throw new ArithmeticException("Function does not accept floating point Not-a-Number values.");
        }

        public static int Sign(float value)
        {
            return Sign((double)value);
        }
    }
}
