// JIT tests: how exceptions travel. exceptions.cs covers each construct
// once; these combine them: propagation through several frames with
// finally blocks on the way, exceptions replacing each other, filters that
// throw, leaves to several targets through finally, locals across the
// exception edge, deep recursion, struct-returning callees.
//
// Filters with side effects against finally blocks: exception_filters.cs.
// No test throws from inside a filter: ECMA-335 (and .NET) treat that as
// the filter declining, mono lets the new exception escape; the JIT follows
// ECMA, tested in jit/tests/jit_eh.rs.

class FlowException : System.Exception
{
    public int Code;

    public FlowException(int code) : base("flow")
    {
        Code = code;
    }
}

class OtherException : System.Exception
{
    public OtherException() : base("other") { }
}

interface IThrower
{
    int Go(int x);
}

class ThrowingImpl : IThrower
{
    public virtual int Go(int x)
    {
        if (x > 0)
            throw new FlowException(x);
        return x;
    }
}

class ThrowingCtor
{
    public int Value;

    public ThrowingCtor(int v)
    {
        if (v < 0)
            throw new FlowException(-v);
        Value = v;
    }
}

struct Triple
{
    public long A;
    public long B;
    public long C;
}

static class Flow
{
    static int log;

    static void Log(int digit)
    {
        log = log * 10 + digit;
    }

    static void Throw(int code)
    {
        throw new FlowException(code);
    }

    static void Inner()
    {
        try
        {
            Log(1);
            Throw(7);
            Log(9); // not reached
        }
        finally
        {
            Log(2);
        }
    }

    static void Middle()
    {
        try
        {
            Inner();
        }
        finally
        {
            Log(3);
        }
    }

    static int test_1234_finally_blocks_of_callers_run_in_order()
    {
        log = 0;
        try
        {
            Middle();
        }
        catch (FlowException)
        {
            Log(4);
        }
        return log;
    }

    static int test_123_nested_finally_in_one_method()
    {
        log = 0;
        try
        {
            try
            {
                try
                {
                    Throw(1);
                }
                finally
                {
                    Log(1);
                }
            }
            finally
            {
                Log(2);
            }
        }
        catch (FlowException)
        {
            Log(3);
        }
        return log;
    }

    static int test_2_exception_in_finally_replaces_the_first()
    {
        try
        {
            try
            {
                Throw(1);
            }
            finally
            {
                throw new OtherException();
            }
        }
        catch (FlowException)
        {
            return 1;
        }
        catch (OtherException)
        {
            return 2;
        }
    }

    static int test_6_filter_declines_and_the_caller_catches()
    {
        int r = 0;
        try
        {
            r += FilteredCallee(6);
        }
        catch (FlowException e)
        {
            r += e.Code;
        }
        return r;
    }

    static int FilteredCallee(int code)
    {
        try
        {
            Throw(code);
        }
        catch (FlowException e) when (e.Code == code + 1)
        {
            return 1000;
        }
        return 2000;
    }

    static int test_1_rethrow_keeps_the_same_object()
    {
        try
        {
            try
            {
                Throw(5);
            }
            catch (FlowException e)
            {
                try
                {
                    throw;
                }
                catch (FlowException again)
                {
                    return ReferenceEquals(e, again) ? 1 : 0;
                }
            }
        }
        catch (System.Exception)
        {
            return -1;
        }
        return -2;
    }

    static int test_1_throw_null_is_a_null_reference()
    {
        try
        {
            FlowException e = null;
            throw e;
        }
        catch (System.NullReferenceException)
        {
            return 1;
        }
    }

    static int test_12_exception_in_catch_passes_outer_finally()
    {
        log = 0;
        try
        {
            try
            {
                try
                {
                    Throw(1);
                }
                catch (FlowException)
                {
                    Log(1);
                    throw new OtherException();
                }
                finally
                {
                    Log(2);
                }
            }
            catch (FlowException)
            {
                Log(8); // not this one: OtherException
            }
        }
        catch (OtherException)
        {
            return log;
        }
        return -1;
    }

    static int test_2_locals_written_in_try_are_seen_in_catch()
    {
        int x = 1;
        long y = 10;
        double z = 0.5;
        try
        {
            x = 2;
            y = 20;
            z = 1.5;
            Throw(1);
            x = 3;
            y = 30;
        }
        catch (FlowException)
        {
            if (y != 20 || z != 1.5)
                return -1;
        }
        return x;
    }

    static int Recurse(int depth)
    {
        try
        {
            if (depth == 0)
                Throw(100);
            return Recurse(depth - 1) + 1;
        }
        finally
        {
            log++;
        }
    }

    static int test_151_deep_recursion_with_finally_at_every_level()
    {
        log = 0;
        try
        {
            return Recurse(50);
        }
        catch (FlowException e)
        {
            return e.Code + log; // 100 + 51 finally blocks
        }
    }

    static int test_4321_leave_to_several_targets_through_finally()
    {
        log = 0;
        for (int i = 1; i <= 4; i++)
        {
            try
            {
                if (i == 1)
                    continue;
                if (i == 4)
                    break;
            }
            finally
            {
                Log(5 - i);
            }
        }
        return log;
    }

    static int LeaveFromCatch(int i)
    {
        try
        {
            try
            {
                Throw(i);
            }
            catch (FlowException e)
            {
                if (e.Code == 1)
                    return 10;
                if (e.Code == 2)
                    goto done;
            }
            return 30;
        done:
            return 20;
        }
        finally
        {
            log++;
        }
    }

    static int test_63_leave_a_catch_handler_through_finally()
    {
        log = 0;
        return LeaveFromCatch(1) + LeaveFromCatch(2) + LeaveFromCatch(3) + log;
    }

    static int test_7_interface_and_virtual_calls_throw()
    {
        IThrower t = new ThrowingImpl();
        int r = 0;
        try { t.Go(3); } catch (FlowException e) { r += e.Code; }
        ThrowingImpl v = new ThrowingImpl();
        try { v.Go(4); } catch (FlowException e) { r += e.Code; }
        return r;
    }

    static int test_9_constructor_throws()
    {
        int r = 0;
        ThrowingCtor c = null;
        try
        {
            c = new ThrowingCtor(-9);
        }
        catch (FlowException e)
        {
            r = e.Code;
        }
        return c == null ? r : -1;
    }

    static Triple MakeTriple(long a)
    {
        if (a < 0)
            throw new FlowException(1);
        Triple t;
        t.A = a;
        t.B = a * 2;
        t.C = a * 3;
        return t;
    }

    static int test_6_struct_returning_callee_throws()
    {
        Triple t = MakeTriple(1);
        try
        {
            t = MakeTriple(-1);
        }
        catch (FlowException)
        {
        }
        return (int)(t.A + t.B + t.C);
    }

    static int test_5_catch_all_and_try_in_handler()
    {
        int r = 0;
        try
        {
            Throw(1);
        }
        catch
        {
            r += 1;
            try
            {
                Throw(2);
            }
            catch (FlowException e)
            {
                r += e.Code * 2;
            }
        }
        return r;
    }

    static int Depth2(int[] a, int i)
    {
        return a[i];
    }

    static int test_1_runtime_exception_two_frames_down()
    {
        try
        {
            return Depth2(new int[2], 5);
        }
        catch (System.IndexOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_45_exceptions_in_a_loop_many_times()
    {
        int caught = 0;
        for (int i = 0; i < 1000; i++)
        {
            try
            {
                if (i % 3 == 0)
                    Throw(i);
                if (i % 3 == 1)
                    Depth2(null, 0);
            }
            catch (FlowException)
            {
                caught++;
            }
            catch (System.NullReferenceException)
            {
                caught += 2;
            }
        }
        return caught - 955; // 334 + 2 * 333 = 1000
    }

    static int test_42_message_and_inner_exception()
    {
        try
        {
            try
            {
                Throw(42);
            }
            catch (FlowException e)
            {
                throw new System.InvalidOperationException("outer", e);
            }
        }
        catch (System.InvalidOperationException e)
        {
            FlowException inner = e.InnerException as FlowException;
            if (e.Message != "outer" || inner == null)
                return -1;
            return inner.Code;
        }
        return -2;
    }
}
