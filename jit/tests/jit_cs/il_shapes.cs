// Inputs for jit_il_shapes.rs. The test patches the IL of these methods in
// memory to get shapes mcs never emits (ldloc <struct>; ldfld, call
// <returns struct>; ldfld, cpobj), keeping every method's length.

public struct PciAddress
{
    public byte Bus;
    public byte Device;
    public byte Function;
}

public struct Big
{
    public long A;
    public long B;
    public int C;
}

public class Holder
{
    public object Ref;
    public Big Value;
}

public struct Probe
{
    public long Ptr;
    public int Value;
}

public interface IArea
{
    int Area();
}

public class Square : IArea
{
    public int Side;

    public int Area()
    {
        return Side * Side;
    }
}

public static class Shapes
{
    // Disassembly expectations (jit_disasm.rs): the inline allocation's
    // slow path, the helper's exception check and the result's move
    // included, lies after the return; the fast path falls into the rest.
    public static object NewSquare()
    {
        return new Square();
    }

    // Likewise the interface call site's cache miss: the hit path falls
    // through to the call.
    public static int CallArea(IArea a)
    {
        return a.Area();
    }

    static PciAddress Make(byte b, byte d, byte f)
    {
        PciAddress a;
        a.Bus = b;
        a.Device = d;
        a.Function = f;
        return a;
    }

    static Big MakeBig(int c)
    {
        Big b;
        b.A = 1;
        b.B = 2;
        b.C = c;
        return b;
    }

    // The fault injection `ldfld-struct` (jit_il_shapes.rs): `p.Value` is
    // `ldloca p; ldfld Value` (or, patched, `ldloc p; ldfld Value`). Read
    // correctly it is 7; miscompiled the seed's way, the struct's first 8
    // bytes (p.Ptr, the address of buf) are taken as the object address and
    // Value (offset 8) is read from buf[1], 42.
    public static unsafe int InjectProbe()
    {
        long* buf = stackalloc long[2];
        buf[0] = 0;
        buf[1] = 42;
        Probe p;
        p.Ptr = (long)buf;
        p.Value = 7;
        return p.Value;
    }

    // Patched: `ldloca.s 0; ldfld Device` -> `ldloc.0; nop; ldfld Device`.
    public static int LdlocStructLdfld()
    {
        PciAddress a = Make(0, 3, 0);
        return a.Device;
    }

    // Patched: `call MakeBig; stloc.0; ldloca.s 0; ldfld C` -> `call; nop; nop; nop; ldfld C`.
    public static int CallStructLdfld()
    {
        Big b = MakeBig(41);
        return b.C;
    }

    // Patched: `ldloca.s 1; ldloca.s 0; ldobj Big; stobj Big` -> `ldloca.s 1; ldloca.s 0; cpobj Big; nop x5`.
    public static int Cpobj()
    {
        Big src = MakeBig(7);
        Big dst = default(Big);
        dst = src;
        return (int)(dst.A + dst.B) + dst.C;
    }

    static object[] arr = new object[2];
    static object stat;

    // Every reference-store opcode once: stfld, stsfld, stelem.ref, stind.ref,
    // stobj of a struct holding a reference (via a struct field assignment).
    public static unsafe int Stores(object o)
    {
        Holder h = new Holder();
        h.Ref = o;                 // stfld
        stat = o;                  // stsfld
        arr[1] = o;                // stelem.ref
        SetRef(ref h.Ref, o);      // stind.ref
        return h.Ref == o ? 1 : 0;
    }

    static void SetRef(ref object slot, object o)
    {
        slot = o;
    }

    public static int Sum(int n)
    {
        int s = 0;
        for (int i = 0; i < n; i++)
            s += i;
        return s;
    }

    public static int StructField(Big b)
    {
        return b.C;
    }

    static int Twice(int x)
    {
        return 2 * x + 1;
    }

    // Patched into `ldc.i4.s 20; ldftn Twice; calli int32(int32); ret`
    // (jit_il_shapes.rs), which mcs cannot emit. The `calli` signature is
    // this method's own StandAloneSig: its locals (Func<int,int>, long),
    // a blob no other method here shares, are rewritten into the method
    // signature and the header stops naming them. Unpatched it returns
    // 1041, patched 41.
    public static int Calli()
    {
        System.Func<int, int> f = Twice;
        long unique = 20;
        return f((int)unique) + 1000;
    }

    static bool IsNull<T>(T x)
    {
        return x == null;
    }

    static bool NotNull<T>(T x)
    {
        if (x != null)
            return true;
        return false;
    }

    // `x == null` on an unconstrained T is `box !!0; ldnull; ceq` (and
    // `x != null` a `box; brfalse`): for T = int the JIT must not allocate
    // a box only to test it (jit_il_shapes.rs counts the heap).
    public static int BoxNullTests()
    {
        int n = 0;
        for (int i = 0; i < 1000; i++)
        {
            if (!IsNull(i) && NotNull(i))
                n++;
            if (IsNull<string>(null) && !NotNull<object>(null))
                n++;
        }
        return n;
    }
}
