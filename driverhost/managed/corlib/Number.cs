// Cordon corlib: integer-to-decimal formatting, in plain C#.
//
// Enough for log lines and test messages; no format strings, no cultures.

namespace System
{
    internal static class Number
    {
        public static string FormatInt64(long value)
        {
            if (value >= 0)
                return FormatUInt64((ulong)value);
            // Negate as unsigned so long.MinValue does not overflow.
            return String.Concat("-", FormatUInt64((ulong)0 - (ulong)value));
        }

        public static unsafe string FormatUInt64(ulong value)
        {
            // 20 digits hold ulong.MaxValue.
            char* buffer = stackalloc char[20];
            int start = 20;
            do
            {
                start--;
                buffer[start] = (char)('0' + (int)(value % 10));
                value /= 10;
            } while (value != 0);
            return String.FromChars(buffer + start, 20 - start);
        }
    }
}
