// JIT tests: static constructors, precise vs beforefieldinit semantics.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
//
// A class with an explicit static constructor is *precise*: its .cctor runs
// exactly at the first access to a static member or the first instance
// creation (ECMA-335 II.10.5.3.1), so the order is observable and tested. A
// class with only static field initializers is `beforefieldinit`: its
// initializer runs at some point before the first static field access, so
// only the values (not the timing) are tested.

static class Log
{
    public static int Entries;
    public static int Trace; // digits appended in order: 123 means 1, then 2, then 3

    public static void Add(int step)
    {
        Entries++;
        Trace = Trace * 10 + step;
    }
}

class Precise
{
    public static int Value;

    static Precise()
    {
        Log.Add(2);
        Value = 40;
    }

    public static int Get()
    {
        return Value + 2;
    }
}

class PreciseInstance
{
    public int X;

    static PreciseInstance()
    {
        Log.Add(7);
    }

    public PreciseInstance()
    {
        X = 5;
    }
}

class Lazy
{
    // beforefieldinit: no explicit static constructor.
    public static int[] Table = MakeTable();
    public static string Name = "lazy";

    static int[] MakeTable()
    {
        int[] t = new int[4];
        for (int i = 0; i < t.Length; i++)
            t[i] = i * i;
        return t;
    }
}

class CountedInit
{
    public static int Runs;
    public static int Value;

    static CountedInit()
    {
        Runs++;
        Value = 9;
    }
}

class DependsOnOther
{
    public static int Value;

    static DependsOnOther()
    {
        Value = DependencyLeaf.Value + SecondLeaf.Value; // triggers both
    }
}

class DependencyLeaf
{
    public static int Value;

    static DependencyLeaf()
    {
        Value = 100;
    }
}

class SecondLeaf
{
    public static int Value;

    static SecondLeaf()
    {
        Value = 40;
    }
}

struct StaticInStruct
{
    public static int Shared;
    public int Own;

    static StaticInStruct()
    {
        Shared = 11;
    }
}

static class Statics
{
    static int test_123_precise_cctor_runs_at_first_access()
    {
        Log.Entries = 0;
        Log.Trace = 0;
        Log.Add(1);
        int v = Precise.Get(); // .cctor runs here, between 1 and 3
        Log.Add(3);
        return v == 42 ? Log.Trace : -Log.Trace;
    }

    static int test_1_cctor_runs_once()
    {
        int a = CountedInit.Value;
        int b = CountedInit.Value;
        CountedInit.Value = 10; // a write does not rerun it
        int c = CountedInit.Value;
        return CountedInit.Runs == 1 && a == 9 && b == 9 && c == 10 ? 1 : 0;
    }

    static int test_175_cctor_before_first_instance()
    {
        Log.Trace = 0;
        Log.Add(1);
        PreciseInstance p = new PreciseInstance(); // .cctor (7) before the constructor
        Log.Add(5);
        return Log.Trace + p.X - 5; // 175
    }

    static int test_14_beforefieldinit_values()
    {
        int[] t = Lazy.Table;
        return t[3] + t[2] + t[1] + t[0] + Lazy.Name.Length - 4; // 9 + 4 + 1 + 0 + 4 - 4
    }

    static int test_140_cctor_that_triggers_other_cctors()
    {
        return DependsOnOther.Value; // 100 + 40
    }

    static int test_11_struct_cctor()
    {
        StaticInStruct s = new StaticInStruct();
        s.Own = StaticInStruct.Shared; // static access triggers it
        return s.Own;
    }
}
