// JIT tests: call, callvirt (virtual, interface, sealed, base), newobj,
// recursion, ref/out/params arguments, IDisposable via `using`.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

interface IShape
{
    int Area();
    int Sides { get; }
}

interface INamed
{
    int NameLength();
}

abstract class Animal : INamed
{
    protected int Legs;

    protected Animal(int legs)
    {
        Legs = legs;
    }

    public abstract int Sound();

    public virtual int Weight()
    {
        return Legs * 10;
    }

    public int NameLength()
    {
        return Name().Length;
    }

    protected virtual string Name()
    {
        return "animal";
    }
}

class Dog : Animal
{
    public Dog() : base(4)
    {
    }

    public override int Sound()
    {
        return 1;
    }

    protected override string Name()
    {
        return "dog";
    }
}

class Puppy : Dog
{
    public override int Weight()
    {
        return base.Weight() / 4; // non-virtual call to Dog/Animal's Weight
    }

    public override int Sound()
    {
        return base.Sound() + 1;
    }
}

sealed class Bird : Animal
{
    public Bird() : base(2)
    {
    }

    public override int Sound()
    {
        return 3;
    }
}

class Rect : IShape
{
    private int _w, _h;

    public Rect(int w, int h)
    {
        _w = w;
        _h = h;
    }

    public int Area()
    {
        return _w * _h;
    }

    public int Sides
    {
        get { return 4; }
    }
}

class Tri : IShape, INamed
{
    public int Area()
    {
        return 6;
    }

    public int Sides
    {
        get { return 3; }
    }

    // Explicit implementation: only reachable through the interface.
    int INamed.NameLength()
    {
        return 8;
    }
}

struct Meter : IShape
{
    public int Len;

    public int Area()
    {
        return Len * Len;
    }

    public int Sides
    {
        get { return 0; }
    }
}

class Resource : System.IDisposable
{
    public static int Disposed;

    public void Dispose()
    {
        Disposed++;
    }
}

static class Calls
{
    static int Fact(int n)
    {
        return n <= 1 ? 1 : n * Fact(n - 1);
    }

    static int test_720_recursion()
    {
        return Fact(6);
    }

    static int Fib(int n)
    {
        return n < 2 ? n : Fib(n - 1) + Fib(n - 2);
    }

    static int test_6765_deep_recursion()
    {
        return Fib(20);
    }

    static bool IsEven(int n)
    {
        return n == 0 || IsOdd(n - 1);
    }

    static bool IsOdd(int n)
    {
        return n != 0 && IsEven(n - 1);
    }

    static int test_1_mutual_recursion()
    {
        return IsEven(100) && IsOdd(37) && !IsEven(7) ? 1 : 0;
    }

    static int test_670_virtual_dispatch()
    {
        Animal[] zoo = new Animal[3];
        zoo[0] = new Dog();
        zoo[1] = new Puppy();
        zoo[2] = new Bird();
        int sum = 0;
        for (int i = 0; i < zoo.Length; i++)
            sum += zoo[i].Sound() * 100 + zoo[i].Weight(); // vtable slots differ per class
        return sum; // (100 + 40) + (200 + 10) + (300 + 20)
    }

    static int test_18_base_calls_are_not_virtual()
    {
        Puppy p = new Puppy();
        return p.Weight() + p.Sound() * 4; // 40 / 4 + 2 * 4
    }

    static int test_1_interface_dispatch()
    {
        IShape[] shapes = new IShape[2];
        shapes[0] = new Rect(3, 4);
        shapes[1] = new Tri();
        int area = 0, sides = 0;
        for (int i = 0; i < shapes.Length; i++)
        {
            area += shapes[i].Area();
            sides += shapes[i].Sides;
        }
        return area == 18 && sides == 7 ? 1 : 0;
    }

    static int test_1_interface_on_a_base_class_and_explicit_impl()
    {
        INamed[] named = new INamed[3];
        named[0] = new Dog();   // Animal.NameLength -> virtual Name() -> "dog"
        named[1] = new Bird();  // "animal"
        named[2] = new Tri();   // explicit INamed.NameLength
        return named[0].NameLength() == 3 && named[1].NameLength() == 6 && named[2].NameLength() == 8 ? 1 : 0;
    }

    static int AreaOf(IShape s)
    {
        return s.Area();
    }

    static int test_49_boxed_struct_through_interface()
    {
        Meter m;
        m.Len = 7;
        return AreaOf(m); // box, then interface call on the boxed copy
    }

    static int test_3_sealed_class_call()
    {
        Bird b = new Bird();
        return b.Sound(); // callvirt on a sealed type (may be devirtualized)
    }

    static int test_42_newobj_with_arguments()
    {
        Rect r = new Rect(6, 7);
        return r.Area();
    }

    static int test_2_using_calls_dispose()
    {
        Resource.Disposed = 0;
        using (Resource r = new Resource())
        {
            if (r == null)
                return -1;
        }
        using (new Resource())
        {
        }
        return Resource.Disposed;
    }

    static long Many(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j, long k, long l)
    {
        return a - b + c - d + e - f + g - h + i - j + k - l * 2;
    }


    static int test_1_twelve_arguments()
    {
        // 1-2+3-4+5-6+7-8+9-10+11-24 = -18
        return Many(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) == -18 ? 1 : 0;
    }

    static double Poly(double x, float y, double z, int n)
    {
        return x * n + y * 2 + z;
    }

    static int test_17_float_and_int_arguments_interleaved()
    {
        return (int)Poly(2.5, 1.5f, 4.5, 4); // 10 + 3 + 4.5
    }

    static int test_15_instance_method_via_static_wrapper()
    {
        Rect r = new Rect(3, 5);
        return Call(r);
    }

    static int Call(Rect r)
    {
        return r.Area();
    }

    static void Out(out int a, out long b)
    {
        a = 40;
        b = 2;
    }

    static int test_42_out_parameters()
    {
        int a;
        long b;
        Out(out a, out b);
        return a + (int)b;
    }

    static void Swap(ref int a, ref int b)
    {
        int t = a;
        a = b;
        b = t;
    }

    static int test_21_ref_parameters()
    {
        int x = 1, y = 2;
        Swap(ref x, ref y);
        return x * 10 + y;
    }

    static int Sum(params int[] values)
    {
        int s = 0;
        for (int i = 0; i < values.Length; i++)
            s += values[i];
        return s;
    }

    static int test_15_params_array()
    {
        return Sum(1, 2, 3, 4, 5) + Sum();
    }

    static int test_1_virtual_object_methods()
    {
        object a = new Rect(1, 1);
        object b = a;
        return a.Equals(b) && !a.Equals(new Rect(1, 1)) && a.GetHashCode() == b.GetHashCode() ? 1 : 0;
    }
}
