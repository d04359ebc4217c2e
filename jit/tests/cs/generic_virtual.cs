// JIT tests: generic virtual methods and generic interface methods: the
// override the object's type chose, instantiated per method argument;
// through classes, interfaces, a struct through its box, and with a
// call site seeing several receiver types.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

interface IConverter
{
    T Convert<T>(int x);
}

interface IVisitor
{
    int Visit<T>(T item);
}

class Animal
{
    public virtual int Tag<T>(T x)
    {
        return 1;
    }

    public virtual string Name<T>()
    {
        return "animal";
    }
}

class Dog : Animal
{
    public override int Tag<T>(T x)
    {
        return 2 + base.Tag<T>(x) * 10;
    }

    public override string Name<T>()
    {
        return "dog" + typeof(T).Name.Length;
    }
}

class Defaulter : IConverter
{
    public T Convert<T>(int x)
    {
        return default(T);
    }
}

class Counter : IVisitor
{
    public int Count;

    public int Visit<T>(T item)
    {
        Count++;
        return item == null ? 0 : 1;
    }
}

struct StructVisitor : IVisitor
{
    public int Bias;

    public int Visit<T>(T item)
    {
        return Bias + (item is int ? 100 : 200);
    }
}

static class GenericVirtual
{
    static int test_12_override_chosen_at_run_time()
    {
        Animal a = new Dog();
        return a.Tag<int>(5);
    }

    static int test_1_base_implementation()
    {
        Animal a = new Animal();
        return a.Tag<string>("x");
    }

    static int test_12_instantiations_differ()
    {
        Animal a = new Dog();
        return a.Name<int>().Length + a.Name<string>().Length + a.Name<long>().Length;
    }

    static int test_0_interface_generic_method()
    {
        IConverter c = new Defaulter();
        return c.Convert<int>(3) + (c.Convert<string>(3) == null ? 0 : 1);
    }

    static int test_32_interface_generic_method_counts()
    {
        Counter k = new Counter();
        IVisitor v = k;
        int r = v.Visit(1) + v.Visit("a") + v.Visit<object>(null);
        return k.Count * 10 + r;
    }

    static int test_306_struct_through_box()
    {
        StructVisitor s = new StructVisitor();
        s.Bias = 3;
        IVisitor v = s;
        return v.Visit(7) + v.Visit("x");
    }

    static int test_51_call_site_sees_several_types()
    {
        Animal[] zoo = new Animal[] { new Animal(), new Dog(), new Animal(), new Dog() };
        int r = 0;
        foreach (Animal a in zoo)
            r += a.Tag<double>(1.0) * 2;
        return r - 1; // (1 + 12 + 1 + 12) * 2 - 1
    }

    static int test_14_delegate_to_generic_virtual_method()
    {
        Animal a = new Dog();
        Func<int, int> f = a.Tag<int>; // ldvirtftn of an instantiation
        IVisitor v = new Counter();
        Func<string, int> g = v.Visit<string>;
        return f(0) + g("s") + g(null) + 1;
    }
}
