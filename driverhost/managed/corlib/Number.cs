// Cordon corlib: integer-to-decimal formatting, in plain C#.
//
// Enough for log lines and test messages; no format strings, no cultures.

namespace System
{
    internal static class Number
    {
        // INTERNALCALL: the "G" text of a finite value given by its bits (the
        // driver host is soft-float: no float arguments), with 7 significant
        // digits when `single`, else 15 (jit/src/runtime/float_format.rs).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern string FormatFloatBits(long bits, bool single);

        internal static unsafe string FormatFloat(double value, bool single)
        {
            if (value != value)
                return "NaN";
            if (value == 1.0 / 0.0)
                return "Infinity";
            if (value == -1.0 / 0.0)
                return "-Infinity";
            return FormatFloatBits(*(long*)&value, single);
        }

        public static string FormatInt64(long value)
        {
            if (value >= 0)
                return String.FromDecimal((ulong)value, false);
            // Negate as unsigned so long.MinValue does not overflow.
            return String.FromDecimal((ulong)0 - (ulong)value, true);
        }

        public static string FormatUInt64(ulong value)
        {
            return String.FromDecimal(value, false);
        }
    }
}
