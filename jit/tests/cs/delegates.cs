// JIT tests: delegates. ldftn/ldvirtftn, the delegate constructor and Invoke
// the JIT expands, static and instance targets, virtual and interface
// targets, closures (mcs's display classes), anonymous methods, multicast
// (Delegate.Combine/Remove, += and -=), GetInvocationList, equality,
// delegates over struct methods, exceptions through a delegate.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

delegate int IntOp(int a, int b);
delegate int IntFn(int x);
delegate void Note(int x);
delegate long LongFn(long a, double b);
delegate string StrFn(string s);
delegate Pair PairFn(Pair p, int k);
delegate double DoubleFn(double a);
delegate float FloatFn(float a, float b);
delegate object ObjFn();

struct Pair
{
    public int A;
    public long B;

    public Pair(int a, long b)
    {
        A = a;
        B = b;
    }

    public int Sum()
    {
        return A + (int)B;
    }

    public int Plus(int x)
    {
        return A + (int)B + x;
    }
}

interface IScale
{
    int Scale(int x);
}

class Base : IScale
{
    protected int _k;

    public Base(int k)
    {
        _k = k;
    }

    public virtual int Apply(int x)
    {
        return x + _k;
    }

    public int Scale(int x)
    {
        return x * _k;
    }

    public int Plain(int x)
    {
        return x - _k;
    }
}

class Derived : Base
{
    public Derived(int k) : base(k)
    {
    }

    public override int Apply(int x)
    {
        return x * 100 + _k;
    }
}

class Recorder
{
    public int Log;

    public void Add(int x)
    {
        Log = Log * 10 + x;
    }

    public void Double(int x)
    {
        Log = Log * 10 + 2 * x;
    }
}

static class Helpers
{
    public static int Total;

    public static int Add(int a, int b)
    {
        return a + b;
    }

    public static int Mul(int a, int b)
    {
        return a * b;
    }

    public static void Record(int x)
    {
        Total = Total * 10 + x;
    }

    public static int Thrower(int x)
    {
        if (x > 0)
            throw new InvalidOperationException("no");
        return -x;
    }
}

static class Delegates
{
    static int Apply(IntOp op, int a, int b)
    {
        return op(a, b);
    }

    static int test_7_static_delegate()
    {
        IntOp op = new IntOp(Helpers.Add);
        return op(3, 4);
    }

    static int test_42_static_method_group()
    {
        IntOp op = Helpers.Mul;
        return Apply(op, 6, 7);
    }

    static int test_13_instance_delegate()
    {
        Base b = new Base(3);
        IntFn f = b.Plain;
        return f(16);
    }

    static int test_705_virtual_target()
    {
        Base b = new Derived(5);
        IntFn f = b.Apply; // ldvirtftn: the override
        return f(7);
    }

    static int test_36_interface_target()
    {
        IScale s = new Base(4);
        IntFn f = s.Scale;
        return f(9);
    }

    static int test_25_lambda_without_capture()
    {
        IntFn sq = x => x * x;
        return sq(5);
    }

    static int test_30_lambda_capturing_local()
    {
        int k = 10;
        IntFn add = x => x + k;
        k = 20; // the closure sees the variable, not a copy
        return add(10);
    }

    static int test_6_closure_writes_local()
    {
        int count = 0;
        Note inc = x => count += x;
        inc(1);
        inc(2);
        inc(3);
        return count;
    }

    static int test_15_anonymous_method()
    {
        int baseValue = 5;
        IntFn f = delegate (int x) { return x + baseValue; };
        return f(10);
    }

    static int test_55_closure_captures_parameter_and_this_free()
    {
        return MakeAdder(50)(5);
    }

    static IntFn MakeAdder(int n)
    {
        return x => x + n;
    }

    static int test_3_counter_closures_share_state()
    {
        int c = 0;
        IntFn next = x => ++c;
        IntFn peek = x => c;
        next(0);
        next(0);
        next(0);
        return peek(0);
    }

    static int test_112_multicast_static()
    {
        Helpers.Total = 0;
        Note n = Helpers.Record;
        n += Helpers.Record;
        n += x => Helpers.Total = Helpers.Total * 10 + x + 1;
        n(1);
        return Helpers.Total; // 1, 11, then 11 * 10 + 1 + 1
    }

    static int test_142_multicast_instance()
    {
        Recorder r = new Recorder();
        Note n = r.Add;
        n += r.Double;
        n += r.Add;
        n(2); // 2, 24, 242
        return r.Log - 100;
    }

    static int test_1_multicast_returns_last()
    {
        IntFn f = x => x + 100;
        f += x => x - 1;
        return f(2);
    }

    static int test_12_remove()
    {
        Recorder r = new Recorder();
        Note a = r.Add;
        Note d = r.Double;
        Note n = a + d + a;
        n -= a; // removes the last occurrence
        n(1); // Add then Double: 1, 12
        return r.Log;
    }

    static int test_9_remove_to_single_and_null()
    {
        Recorder r = new Recorder();
        Note a = r.Add;
        Note d = r.Double;
        Note n = a + d;
        n -= d;
        n(9);
        n -= a;
        return n == null ? r.Log : -1;
    }

    static int test_4_remove_missing_keeps_source()
    {
        Recorder r = new Recorder();
        Recorder other = new Recorder();
        Note n = r.Add;
        n += r.Add;
        n -= other.Add; // another target: nothing removed
        return n.GetInvocationList().Length + 2;
    }

    static int test_3_invocation_list()
    {
        Note n = Helpers.Record;
        n += Helpers.Record;
        n += Helpers.Record;
        Delegate[] list = n.GetInvocationList();
        int ok = 0;
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] is Note)
                ok++;
        }
        return ok;
    }

    static int test_1_delegate_equality()
    {
        Base b = new Base(1);
        IntFn f = b.Plain;
        IntFn g = b.Plain;
        IntFn h = new Base(1).Plain;
        return f == g && f.Equals(g) && !(f == h) && f != h ? 1 : 0;
    }

    static int test_1_target_property()
    {
        Base b = new Base(1);
        IntFn f = b.Plain;
        IntOp s = Helpers.Add;
        return f.Target == (object)b && s.Target == null ? 1 : 0;
    }

    static int test_31_struct_argument_and_return()
    {
        PairFn f = (p, k) => new Pair(p.A * k, p.B + k);
        Pair r = f(new Pair(5, 10), 2);
        return r.A + (int)r.B + 9;
    }

    static int test_20_long_and_double_arguments()
    {
        LongFn f = (a, b) => a + (long)(b * 2.0);
        return (int)f(5L, 7.5);
    }

    static int test_6_float_delegate()
    {
        FloatFn f = (a, b) => a * b;
        DoubleFn g = x => x / 2.0;
        return (int)f(1.5f, 2.0f) + (int)g(6.0);
    }

    static int test_5_string_delegate()
    {
        string suffix = "!!";
        StrFn f = s => s + suffix;
        return f("abc").Length;
    }

    static int test_7_struct_method_delegate()
    {
        Pair p = new Pair(3, 4);
        ObjFn f = () => (object)p.Sum();
        IntFn g = new IntFn(new Pair(2, 5).Plus);
        return (int)f() + g(0) - 7;
    }

    static int test_2_exception_through_delegate()
    {
        IntFn f = Helpers.Thrower;
        int r = 0;
        try
        {
            f(1);
        }
        catch (InvalidOperationException)
        {
            r = 1;
        }
        return r + f(-1);
    }

    static int test_1_null_delegate_throws()
    {
        IntFn f = null;
        try
        {
            return f(1);
        }
        catch (NullReferenceException)
        {
            return 1;
        }
    }

    static int test_21_delegate_in_field_and_array()
    {
        IntFn[] table = new IntFn[3];
        for (int i = 0; i < table.Length; i++)
        {
            int j = i; // one closure per iteration
            table[i] = x => x * j;
        }
        return table[0](7) + table[1](7) + table[2](7);
    }

    static int test_8_nested_closures()
    {
        int a = 1;
        IntFn outer = x =>
        {
            int b = 2;
            IntFn inner = y => a + b + x + y;
            return inner(x);
        };
        return outer(2) + 1;
    }

    static int test_10_combine_with_null()
    {
        IntFn f = x => x * 2;
        IntFn n = null;
        IntFn c = (IntFn)Delegate.Combine(n, f);
        IntFn d = (IntFn)Delegate.Combine(f, null);
        return c(2) + d(3);
    }

    static int test_77_action()
    {
        int v = 0;
        Action a = () => v += 7;
        a += () => v *= 11;
        a();
        return v;
    }
}
