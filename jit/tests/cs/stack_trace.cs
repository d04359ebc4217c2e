// JIT tests: Exception.StackTrace. The format differs between runtimes, so
// the tests look only for the methods' names and their order (innermost
// first); the throwing methods are kept out of mono's inliner.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;
using System.Runtime.CompilerServices;

static class StackTraces
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Thrower()
    {
        throw new InvalidOperationException("boom");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Middle()
    {
        Thrower();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Divide(int a, int b)
    {
        return a / b;
    }

    static int test_1_names_frames_innermost_first()
    {
        try
        {
            Middle();
        }
        catch (Exception e)
        {
            string st = e.StackTrace;
            if (st == null)
                return -1;
            int t = st.IndexOf("Thrower");
            int m = st.IndexOf("Middle");
            int o = st.IndexOf("test_1_names_frames_innermost_first");
            return t >= 0 && m > t && o > m ? 1 : 0;
        }
        return -2;
    }

    static int test_1_not_thrown_has_none()
    {
        return new Exception("x").StackTrace == null ? 1 : 0;
    }

    static int test_1_runtime_exception_has_trace()
    {
        try
        {
            Divide(1, 0);
        }
        catch (DivideByZeroException e)
        {
            string st = e.StackTrace;
            return st != null && st.IndexOf("Divide") >= 0 ? 1 : 0;
        }
        return 0;
    }

    static int test_1_survives_a_later_throw()
    {
        Exception first = null;
        try
        {
            Middle();
        }
        catch (Exception e)
        {
            first = e;
        }
        try
        {
            throw new ArgumentException();
        }
        catch (ArgumentException)
        {
        }
        return first.StackTrace != null && first.StackTrace.IndexOf("Thrower") >= 0 ? 1 : 0;
    }
}
