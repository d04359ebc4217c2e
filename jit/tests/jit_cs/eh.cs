// Inputs for jit_eh.rs: exception-handling behaviour the C# differential
// suites cannot show (an uncaught exception, ECMA-335 semantics where mono
// differs, and a fault clause, which C# cannot write: the test patches the
// finally clause of FaultOrFinally into a fault clause).

public class EhError : System.Exception
{
    public int Code;

    public EhError(int code)
    {
        Code = code;
    }
}

public static class Eh
{
    public static int Log;

    static void Throw(int code)
    {
        throw new EhError(code);
    }

    public static int Uncaught()
    {
        Log = 0;
        try
        {
            Throw(5);
        }
        finally
        {
            Log = 77;
        }
        return 0;
    }

    // Stack traces (jit_eh.rs): Outer -> Middle -> Inner, which throws.
    static int Inner(int x)
    {
        if (x > 0)
            throw new System.Exception("boom in Inner");
        return x;
    }

    static int Middle(int x)
    {
        return Inner(x + 1) + 1;
    }

    public static int Outer()
    {
        return Middle(4) + 2;
    }

    static int NullField(EhError e)
    {
        return e.Code;
    }

    public static int NullDeref()
    {
        return NullField(null) + 1;
    }

    public static int ReadLog()
    {
        return Log;
    }

    static bool FilterThatThrows(EhError e)
    {
        Throw(99);
        return true;
    }

    public static int FilterThrows()
    {
        try
        {
            try
            {
                Throw(3);
            }
            catch (EhError e) when (FilterThatThrows(e))
            {
                return 100;
            }
        }
        catch (EhError e)
        {
            return e.Code;
        }
        return -1;
    }

    static int FaultOrFinally(int code)
    {
        try
        {
            try
            {
                if (code > 0)
                    Throw(code);
                Log = Log * 10 + 1;
            }
            finally
            {
                Log = Log * 10 + 2;
            }
        }
        catch (EhError)
        {
            Log = Log * 10 + 3;
        }
        return Log;
    }

    public static int NoException()
    {
        Log = 0;
        return FaultOrFinally(0);
    }

    public static int WithException()
    {
        Log = 0;
        return FaultOrFinally(1);
    }

    // The tests patch this method's IL (jit_eh.rs) so that the JIT refuses
    // it: an unsupported opcode, or an evaluation-stack underflow.
    static int Refused(int x)
    {
        return x + 1;
    }

    public static int CallsRefused()
    {
        Log = 0;
        try
        {
            try
            {
                Log = 1;
                return Refused(41);
            }
            finally
            {
                Log = Log * 10 + 2;
            }
        }
        catch (System.NotSupportedException)
        {
            return Log * 10 + 3;
        }
        catch (System.InvalidProgramException)
        {
            return Log * 10 + 4;
        }
    }

    public static int CallsRefusedUncaught()
    {
        Log = 0;
        try
        {
            return Refused(41);
        }
        finally
        {
            Log = 5;
        }
    }
}
