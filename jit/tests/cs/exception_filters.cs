// JIT tests: exception filters in ECMA-335's two passes. The first pass
// finds the handler, running every filter on the way; only then does the
// second pass run the finally blocks between the throw and that handler.
// Each test logs digits in the order things ran, so a finally that runs
// before an outer filter gives a different number.
//
// Filters also read and write their method's arguments, locals and `this`
// (a filter runs while its method's frame is suspended), with struct
// arguments among them.
//
// No test throws from inside a filter: ECMA-335 makes that the filter
// declining, mono lets the new exception escape (jit/tests/jit_eh.rs).

class FilterException : System.Exception
{
    public int Code;

    public FilterException(int code) : base("filter")
    {
        Code = code;
    }
}

struct Pair
{
    public int X;
    public int Y;
}

class Holder
{
    public int Field;

    public int CatchWithField(int code)
    {
        try
        {
            Filters.Throw(code);
        }
        catch (FilterException e) when (e.Code == Field)
        {
            return Field * 2;
        }
        catch (FilterException)
        {
            return -1;
        }
        return 0;
    }
}

static class Filters
{
    static int log;

    static void Log(int digit)
    {
        log = log * 10 + digit;
    }

    static bool LogAndSay(int digit, bool verdict)
    {
        Log(digit);
        return verdict;
    }

    public static void Throw(int code)
    {
        throw new FilterException(code);
    }

    static void ThrowWithFinally(int code)
    {
        try
        {
            Throw(code);
        }
        finally
        {
            Log(1);
        }
    }

    static int test_213_filter_runs_before_a_callee_finally()
    {
        log = 0;
        try
        {
            ThrowWithFinally(5);
        }
        catch (FilterException) when (LogAndSay(2, true))
        {
            Log(3);
        }
        return log;
    }

    static int test_213_filter_runs_before_a_nested_finally_in_one_method()
    {
        log = 0;
        try
        {
            try
            {
                Throw(5);
            }
            finally
            {
                Log(1);
            }
        }
        catch (FilterException) when (LogAndSay(2, true))
        {
            Log(3);
        }
        return log;
    }

    static void DecliningMiddle()
    {
        try
        {
            ThrowWithFinally(5);
        }
        catch (FilterException) when (LogAndSay(2, false))
        {
            Log(9); // not reached
        }
        finally
        {
            Log(3);
        }
    }

    // Both filters run (the inner one declines) before either finally.
    static int test_24135_declining_filter_then_outer_filter()
    {
        log = 0;
        try
        {
            DecliningMiddle();
        }
        catch (FilterException) when (LogAndSay(4, true))
        {
            Log(5);
        }
        return log;
    }

    static void FilterThenRethrow()
    {
        try
        {
            ThrowWithFinally(5);
        }
        catch (FilterException) when (LogAndSay(2, true))
        {
            Log(3);
            throw;
        }
    }

    // A rethrow starts a new first pass from the catching frame.
    static int test_21345_rethrow_searches_again()
    {
        log = 0;
        try
        {
            FilterThenRethrow();
        }
        catch (FilterException) when (LogAndSay(4, true))
        {
            Log(5);
        }
        return log;
    }

    // An inner catch takes the exception: the outer filter never runs.
    static int test_13_inner_catch_before_outer_filter()
    {
        log = 0;
        try
        {
            try
            {
                ThrowWithFinally(5);
            }
            catch (FilterException)
            {
                Log(3);
            }
        }
        catch (FilterException) when (LogAndSay(4, true))
        {
            Log(5);
        }
        return log;
    }

    // The filter of the second clause of a try runs after the first one's
    // catch type failed; a filter reads the exception object.
    static int test_6127_second_clause_filter_reads_the_exception()
    {
        log = 0;
        try
        {
            ThrowWithFinally(7);
        }
        catch (System.InvalidOperationException)
        {
            Log(9);
        }
        catch (FilterException e) when (LogAndSay(6, e.Code == 7))
        {
            Log(2);
            Log(e.Code);
        }
        return log;
    }

    static int Locals(int arg, Pair p)
    {
        int seen = 0;
        int local = arg * 2;
        try
        {
            ThrowWithFinally(arg);
        }
        catch (FilterException e) when (e.Code == arg && (seen = local + p.X * 100 + p.Y) > 0)
        {
            return seen;
        }
        return -1;
    }

    // The filter reads an argument, a local and a struct argument, and
    // writes a local the handler then reads.
    static int test_456_filter_reads_and_writes_its_methods_variables()
    {
        Pair p = new Pair();
        p.X = 4;
        p.Y = 50;
        return Locals(3, p);
    }

    static int test_14_filter_reads_this()
    {
        Holder h = new Holder();
        h.Field = 7;
        return h.CatchWithField(7) + h.CatchWithField(3) + 1;
    }

    // Many dispatches with filters and finally blocks in a row.
    static int test_300_filters_in_a_loop()
    {
        int taken = 0;
        for (int i = 0; i < 200; i++)
        {
            try
            {
                try
                {
                    Throw(i);
                }
                finally
                {
                    taken++;
                }
            }
            catch (FilterException e) when (e.Code % 2 == 0)
            {
                taken++;
            }
            catch (FilterException)
            {
            }
        }
        return taken;
    }
}
