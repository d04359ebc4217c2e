// Cordon corlib: System.Console, output only.
//
// Every write ends in WriteCore, an InternalCall the embedder provides
// (jit Externals: "System", "Console", "WriteCore"): cilrun writes to the
// host's stdout; an embedder that registers nothing makes a Console call a
// NotSupportedException at the call (docs/managed.md). Formatting is the
// corlib's own (ToString, string.Format), so text matches what mono prints
// for the same values.

using System.Runtime.CompilerServices;

namespace System
{
    public static class Console
    {
        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void WriteCore(string text);

        public static void Write(string value)
        {
            if (value != null)
                WriteCore(value);
        }

        public static void Write(object value)
        {
            if (value != null)
                Write(value.ToString());
        }

        public static void Write(int value)
        {
            WriteCore(value.ToString());
        }

        public static void Write(char value)
        {
            WriteCore(new string(value, 1));
        }

        public static void Write(string format, object arg0)
        {
            Write(String.Format(format, arg0));
        }

        public static void Write(string format, params object[] args)
        {
            Write(String.Format(format, args));
        }

        public static void WriteLine()
        {
            WriteCore("\n");
        }

        public static void WriteLine(string value)
        {
            WriteCore(value == null ? "\n" : String.Concat(value, "\n"));
        }

        public static void WriteLine(object value)
        {
            WriteLine(value == null ? null : value.ToString());
        }

        public static void WriteLine(int value)
        {
            WriteLine(value.ToString());
        }

        public static void WriteLine(long value)
        {
            WriteLine(value.ToString());
        }

        public static void WriteLine(double value)
        {
            WriteLine(value.ToString());
        }

        public static void WriteLine(bool value)
        {
            WriteLine(value.ToString());
        }

        public static void WriteLine(char value)
        {
            WriteLine(new string(value, 1));
        }

        public static void WriteLine(string format, object arg0)
        {
            WriteLine(String.Format(format, arg0));
        }

        public static void WriteLine(string format, object arg0, object arg1)
        {
            WriteLine(String.Format(format, arg0, arg1));
        }

        public static void WriteLine(string format, params object[] args)
        {
            WriteLine(String.Format(format, args));
        }
    }
}
