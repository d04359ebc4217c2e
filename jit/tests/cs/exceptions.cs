// JIT tests: exception handling. Kept in its own file because try/catch
// arrives late in the JIT; every other file runs without it.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// A test that expects the runtime to throw catches the exception and returns
// N; an uncaught exception is reported as `threw TypeName`. Messages differ
// between corlibs, so no test looks at the message of a runtime exception.

class DriverException : System.Exception
{
    public int Code;

    public DriverException(int code) : base("driver failed")
    {
        Code = code;
    }
}

class Ref
{
    public int Value = 0;
}

// Static constructors that throw: the access throws a
// TypeInitializationException wrapping the exception (ECMA-335 II.10.5.3.3),
// and so does every later access; the constructor runs once.
class InitCounter
{
    public static int Runs;
}

class FailingCctor
{
    public static int Value;

    static FailingCctor()
    {
        InitCounter.Runs++;
        Value = 1;
        throw new DriverException(9);
    }

    public static int Get()
    {
        return Value;
    }
}

class FailingFieldInit
{
    // No explicit static constructor: the type is beforefieldinit, and its
    // initializer runs at the latest at the first static field access.
    public static int Value = Fail(6);

    static int Fail(int code)
    {
        throw new DriverException(code);
    }
}

class FailingNew
{
    public int Field = 3;

    static FailingNew()
    {
        throw new System.InvalidOperationException();
    }
}

static class Exceptions
{
    static int Div(int a, int b) { return a / b; }
    static int Rem(int a, int b) { return a % b; }
    static long Div64(long a, long b) { return a / b; }
    static int AddOvf(int a, int b) { return checked(a + b); }
    static uint SubOvfUn(uint a, uint b) { return checked(a - b); }
    static long MulOvf64(long a, long b) { return checked(a * b); }
    static byte ConvOvf(int v) { return checked((byte)v); }
    static int ConvOvfUn(uint v) { return checked((int)v); }
    static int ConvOvfFromDouble(double d) { return checked((int)d); }
    static int ReadValue(Ref r) { return r.Value; }
    static int Elem(int[] a, int i) { return a[i]; }

    static int test_1_throw_and_catch()
    {
        try
        {
            throw new DriverException(1);
        }
        catch (DriverException e)
        {
            return e.Code;
        }
    }

    static int Thrower(int code)
    {
        if (code > 0)
            throw new DriverException(code);
        return 0;
    }

    static int test_42_catch_from_a_callee()
    {
        try
        {
            Thrower(42);
            return -1;
        }
        catch (DriverException e)
        {
            return e.Code;
        }
    }

    static int test_3_catch_by_base_type()
    {
        int r = 0;
        try
        {
            Thrower(3);
        }
        catch (System.InvalidOperationException)
        {
            r = -100; // wrong type: skipped
        }
        catch (System.Exception e)
        {
            r = ((DriverException)e).Code;
        }
        return r;
    }

    static int test_21_finally_runs_on_both_paths()
    {
        int log = 0;
        try
        {
            log = log * 10 + 1;
        }
        finally
        {
            log = log * 10 + 2;
        }
        try
        {
            try
            {
                Thrower(1);
            }
            finally
            {
                log = log * 10 + 3; // runs while the exception passes
            }
        }
        catch (DriverException)
        {
            log = log * 10 + 4;
        }
        return log - 1234 + 21; // 1234 is the order: 1, 2, 3, 4
    }

    static int FinallyWithReturn(ref int log)
    {
        try
        {
            return 5;
        }
        finally
        {
            log = 7; // runs before the return completes
        }
    }

    static int test_12_finally_on_return()
    {
        int log = 0;
        int r = FinallyWithReturn(ref log);
        return r + log;
    }

    static int test_2_rethrow()
    {
        int caught = 0;
        try
        {
            try
            {
                Thrower(9);
            }
            catch (DriverException)
            {
                caught++;
                throw; // rethrow
            }
        }
        catch (DriverException e)
        {
            caught += e.Code == 9 ? 1 : 100;
        }
        return caught;
    }

    static int test_7_exception_filter()
    {
        int r = 0;
        for (int code = 1; code <= 3; code++)
        {
            try
            {
                Thrower(code);
            }
            catch (DriverException e) when (e.Code == 2)
            {
                r += 5;
            }
            catch (DriverException e)
            {
                r += e.Code - 1; // 0 for 1, 2 for 3
            }
        }
        return r;
    }

    static int test_1_message_of_a_user_exception()
    {
        try
        {
            throw new System.InvalidOperationException("queue full");
        }
        catch (System.Exception e)
        {
            return e.Message == "queue full" ? 1 : 0;
        }
    }

    static int test_10_nested_try_in_loop()
    {
        int count = 0;
        for (int i = 0; i < 10; i++)
        {
            try
            {
                if (i % 2 == 0)
                    Thrower(i + 1);
                count++;
            }
            catch (DriverException)
            {
                count++;
            }
        }
        return count;
    }

    // ---- exceptions the runtime raises ----

    static int test_1_divide_by_zero()
    {
        try
        {
            return Div(1, 0);
        }
        catch (System.DivideByZeroException)
        {
            return 1;
        }
    }

    static int test_1_remainder_by_zero()
    {
        try
        {
            return Rem(5, 0);
        }
        catch (System.DivideByZeroException)
        {
            return 1;
        }
    }

    static int test_1_int64_divide_by_zero()
    {
        try
        {
            return (int)Div64(5, 0);
        }
        catch (System.DivideByZeroException)
        {
            return 1;
        }
    }

    static int test_1_min_value_divided_by_minus_one()
    {
        // x86 idiv traps (#DE); the CLI defines this as ArithmeticException
        // (OverflowException on .NET and mono).
        try
        {
            return Div(int.MinValue, -1);
        }
        catch (System.ArithmeticException)
        {
            return 1;
        }
    }

    static int test_1_checked_add_overflow()
    {
        try
        {
            return AddOvf(int.MaxValue, 1);
        }
        catch (System.OverflowException)
        {
            return 1;
        }
    }

    static int test_1_checked_unsigned_sub_overflow()
    {
        try
        {
            return (int)SubOvfUn(1, 2);
        }
        catch (System.OverflowException)
        {
            return 1;
        }
    }

    static int test_1_checked_int64_mul_overflow()
    {
        try
        {
            return (int)MulOvf64(0x100000000L, 0x100000000L);
        }
        catch (System.OverflowException)
        {
            return 1;
        }
    }

    static int test_3_checked_conversion_overflow()
    {
        int r = 0;
        try { ConvOvf(256); } catch (System.OverflowException) { r++; }
        try { ConvOvfUn(0x80000000); } catch (System.OverflowException) { r++; }
        try { ConvOvfFromDouble(3e9); } catch (System.OverflowException) { r++; }
        return r;
    }

    static int test_1_null_reference_on_field()
    {
        try
        {
            return ReadValue(null);
        }
        catch (System.NullReferenceException)
        {
            return 1;
        }
    }

    static int test_1_null_reference_on_call()
    {
        string s = null;
        try
        {
            return s.Length;
        }
        catch (System.NullReferenceException)
        {
            return 1;
        }
    }

    static int test_1_null_reference_on_virtual_call()
    {
        object o = null;
        try
        {
            return o.GetHashCode();
        }
        catch (System.NullReferenceException)
        {
            return 1;
        }
    }

    static int test_1_null_array()
    {
        int[] a = null;
        try
        {
            return a[0];
        }
        catch (System.NullReferenceException)
        {
            return 1;
        }
    }

    static int test_3_index_out_of_range()
    {
        int[] a = new int[4];
        int r = 0;
        try { Elem(a, 4); } catch (System.IndexOutOfRangeException) { r++; }
        try { Elem(a, -1); } catch (System.IndexOutOfRangeException) { r++; }
        try { Elem(new int[0], 0); } catch (System.IndexOutOfRangeException) { r++; }
        return r + Elem(a, 3);
    }

    static int test_1_string_index_out_of_range()
    {
        try
        {
            return "abc"[3];
        }
        catch (System.IndexOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_1_invalid_cast()
    {
        object o = "not a number";
        try
        {
            return (int)o; // unbox.any of the wrong type
        }
        catch (System.InvalidCastException)
        {
            return 1;
        }
    }

    static int test_1_invalid_castclass()
    {
        object o = new Ref();
        try
        {
            DriverException e = (DriverException)o;
            return e.Code;
        }
        catch (System.InvalidCastException)
        {
            return 1;
        }
    }

    static int test_1_array_store_type_mismatch()
    {
        object[] objs = new string[1];
        try
        {
            objs[0] = new Ref(); // covariant array store check
            return 0;
        }
        catch (System.ArrayTypeMismatchException)
        {
            return 1;
        }
    }

    static int test_1_negative_array_size()
    {
        int n = -1;
        try
        {
            int[] a = new int[n];
            return a.Length;
        }
        catch (System.OverflowException)
        {
            return 1;
        }
    }

    static int test_1_corlib_argument_exceptions()
    {
        int r = 0;
        try { "abc".Substring(4); } catch (System.ArgumentOutOfRangeException) { r++; }
        try { "abc".StartsWith(null); } catch (System.ArgumentNullException) { r++; }
        return r == 2 ? 1 : 0;
    }

    static int test_6_exception_type_hierarchy()
    {
        int r = 0;
        try { Div(1, 0); } catch (System.ArithmeticException) { r += 1; }
        try { AddOvf(int.MaxValue, 1); } catch (System.ArithmeticException) { r += 2; }
        try { ReadValue(null); } catch (System.SystemException) { r += 3; }
        return r;
    }

    static int test_9_static_constructor_exception_is_wrapped()
    {
        try
        {
            return FailingCctor.Get();
        }
        catch (System.TypeInitializationException e)
        {
            DriverException inner = e.InnerException as DriverException;
            return inner != null ? inner.Code : -1;
        }
    }

    // Three accesses, three TypeInitializationExceptions around the same
    // inner exception, one run of the constructor.
    static int test_31_later_accesses_throw_again()
    {
        int wrapped = 0;
        System.Exception first = null;
        bool same = true;
        for (int i = 0; i < 3; i++)
        {
            try
            {
                FailingCctor.Get();
            }
            catch (System.TypeInitializationException e)
            {
                if (e.InnerException is DriverException)
                    wrapped++;
                if (first == null)
                    first = e.InnerException;
                else if (first != e.InnerException)
                    same = false;
            }
        }
        return wrapped * 10 + InitCounter.Runs + (same ? 0 : 100);
    }

    static int ReadFailingField()
    {
        return FailingFieldInit.Value;
    }

    static int test_6_field_initializer_exception_is_wrapped()
    {
        try
        {
            return ReadFailingField();
        }
        catch (System.TypeInitializationException e)
        {
            DriverException inner = e.InnerException as DriverException;
            return inner != null ? inner.Code : -1;
        }
    }

    static int test_2_newobj_of_a_failed_type()
    {
        int n = 0;
        for (int i = 0; i < 2; i++)
        {
            try
            {
                new FailingNew();
                n += 100;
            }
            catch (System.TypeInitializationException e)
            {
                if (e.InnerException is System.InvalidOperationException)
                    n++;
            }
        }
        return n;
    }
}
