// Cordon corlib: String.Format, what C# string interpolation compiles to.
//
// Composite format items `{index[,alignment][:format]}` with `{{`/`}}`
// escapes. Formats: for integers `X`/`x` (hexadecimal of the two's
// complement bits at the value's width) and `D`/`d`, each with an optional
// digit count; any other format, and every other type, uses ToString().
// No cultures, no IFormattable, no float formats.

namespace System
{
    public sealed partial class String
    {
        public static string Format(string format, object arg0)
        {
            return FormatCore(format, new object[] { arg0 });
        }

        public static string Format(string format, object arg0, object arg1)
        {
            return FormatCore(format, new object[] { arg0, arg1 });
        }

        public static string Format(string format, object arg0, object arg1, object arg2)
        {
            return FormatCore(format, new object[] { arg0, arg1, arg2 });
        }

        public static string Format(string format, params object[] args)
        {
            if (args == null)
                throw new ArgumentNullException("args");
            return FormatCore(format, args);
        }

        private static string FormatCore(string format, object[] args)
        {
            if (format == null)
                throw new ArgumentNullException("format");
            System.Text.StringBuilder sb = new System.Text.StringBuilder();
            int i = 0;
            int n = format.Length;
            while (i < n)
            {
                char c = format[i++];
                if (c == '}')
                {
                    if (i < n && format[i] == '}')
                    {
                        i++;
                        sb.Append('}');
                        continue;
                    }
                    throw BadFormat();
                }
                if (c != '{')
                {
                    sb.Append(c);
                    continue;
                }
                if (i < n && format[i] == '{')
                {
                    i++;
                    sb.Append('{');
                    continue;
                }
                // {index[,alignment][:format]}
                int index = ReadInt(format, ref i);
                if (index < 0)
                    throw BadFormat();
                int width = 0;
                if (i < n && format[i] == ',')
                {
                    i++;
                    bool left = i < n && format[i] == '-';
                    if (left)
                        i++;
                    width = ReadInt(format, ref i);
                    if (width < 0)
                        throw BadFormat();
                    if (left)
                        width = -width;
                }
                string itemFormat = null;
                if (i < n && format[i] == ':')
                {
                    int start = ++i;
                    while (i < n && format[i] != '}')
                        i++;
                    itemFormat = format.Substring(start, i - start);
                }
                if (i >= n || format[i] != '}')
                    throw BadFormat();
                i++;
                if (index >= args.Length)
                    throw new FormatException("Index (zero based) must be greater than or equal to zero and less than the size of the argument list.");
                string text = FormatItem(args[index], itemFormat);
                if (width > 0 && text.Length < width)
                    sb.Append(' ', width - text.Length);
                sb.Append(text);
                if (width < 0 && text.Length < -width)
                    sb.Append(' ', -width - text.Length);
            }
            return sb.ToString();
        }

        private static FormatException BadFormat()
        {
            return new FormatException("Input string was not in a correct format.");
        }

        // Decimal digits at `i` (skipping spaces around them), or -1.
        private static int ReadInt(string s, ref int i)
        {
            while (i < s.Length && s[i] == ' ')
                i++;
            int start = i;
            int v = 0;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9' && v < 1000000)
                v = v * 10 + (s[i++] - '0');
            while (i < s.Length && s[i] == ' ')
                i++;
            return i == start ? -1 : v;
        }

        private static string FormatItem(object arg, string format)
        {
            if (arg == null)
                return "";
            if (format == null || format.Length == 0)
                return arg.ToString();
            char kind = format[0];
            int digits = 0;
            for (int k = 1; k < format.Length; k++)
            {
                char d = format[k];
                if (d < '0' || d > '9')
                    return arg.ToString();
                digits = digits * 10 + (d - '0');
            }
            ulong bits;
            int size;
            bool negative = false;
            if (arg is int) { int v = (int)arg; bits = (uint)v; size = 4; negative = v < 0; }
            else if (arg is uint) { bits = (uint)arg; size = 4; }
            else if (arg is long) { long v = (long)arg; bits = (ulong)v; size = 8; negative = v < 0; }
            else if (arg is ulong) { bits = (ulong)arg; size = 8; }
            else if (arg is short) { short v = (short)arg; bits = (ushort)v; size = 2; negative = v < 0; }
            else if (arg is ushort) { bits = (ushort)arg; size = 2; }
            else if (arg is byte) { bits = (byte)arg; size = 1; }
            else if (arg is sbyte) { sbyte v = (sbyte)arg; bits = (byte)v; size = 1; negative = v < 0; }
            else return arg.ToString();
            if (kind == 'X' || kind == 'x')
                return Hex(bits, digits, kind == 'X');
            if (kind == 'D' || kind == 'd')
            {
                string s = arg.ToString();
                string mag = negative ? s.Substring(1) : s;
                if (mag.Length < digits)
                    mag = Concat(new string('0', digits - mag.Length), mag);
                return negative ? Concat("-", mag) : mag;
            }
            return arg.ToString();
        }

        private static unsafe string Hex(ulong bits, int digits, bool upper)
        {
            char* buf = stackalloc char[16];
            int n = 0;
            do
            {
                int d = (int)(bits & 0xF);
                buf[15 - n] = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
                n++;
                bits >>= 4;
            } while (bits != 0);
            string s = FromChars(buf + 16 - n, n);
            if (s.Length < digits)
                s = Concat(new string('0', digits - s.Length), s);
            return s;
        }
    }
}
