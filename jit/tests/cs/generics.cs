// JIT tests: generics, compiled specialised per instantiation. Generic
// classes and structs over reference and value types, generic methods
// (static and instance, inferred), static fields per instantiation,
// constraints (class, struct, new(), base class, interface), generic
// interfaces, generic bases, default(T), boxing a T, Action/Func.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

class Box<T>
{
    public T Value;

    public Box(T value)
    {
        Value = value;
    }

    public T Get()
    {
        return Value;
    }

    public void Set(T value)
    {
        Value = value;
    }
}

struct Pair<A, B>
{
    public A First;
    public B Second;

    public Pair(A first, B second)
    {
        First = first;
        Second = second;
    }

    public Pair<B, A> Swap()
    {
        return new Pair<B, A>(Second, First);
    }
}

class Counter<T>
{
    public static int Count;

    public Counter()
    {
        Count++;
    }
}

class Lazy<T>
{
    public static int Initialized;

    static Lazy()
    {
        Initialized = 7;
    }
}

class Stack<T>
{
    T[] _items = new T[2];
    int _count;

    public void Push(T item)
    {
        if (_count == _items.Length)
        {
            T[] bigger = new T[_items.Length * 2];
            for (int i = 0; i < _count; i++)
                bigger[i] = _items[i];
            _items = bigger;
        }
        _items[_count++] = item;
    }

    public T Pop()
    {
        return _items[--_count];
    }

    public int Count
    {
        get { return _count; }
    }
}

interface IValue<T>
{
    T Value();
}

class IntValue : IValue<int>
{
    int _v;

    public IntValue(int v)
    {
        _v = v;
    }

    public int Value()
    {
        return _v;
    }
}

class StringValue : IValue<string>
{
    public string Value()
    {
        return "four";
    }
}

abstract class Shape
{
    public abstract int Area();
}

class Square : Shape
{
    public int Side;

    public Square()
    {
        Side = 3;
    }

    public override int Area()
    {
        return Side * Side;
    }
}

class Holder<T> where T : Shape, new()
{
    public T Make()
    {
        return new T();
    }

    public int AreaOf(T s)
    {
        return s.Area();
    }
}

class Base<T>
{
    protected T _item;

    public virtual T Item()
    {
        return _item;
    }
}

class Derived : Base<int>
{
    public Derived(int x)
    {
        _item = x;
    }

    public override int Item()
    {
        return _item * 2;
    }
}

class Node<T>
{
    public T Value;
    public Node<T> Next;
}

struct Meters : IComparable2<Meters>
{
    public int V;

    public int CompareTo(Meters other)
    {
        return V - other.V;
    }
}

interface IComparable2<T>
{
    int CompareTo(T other);
}

static class Generics
{
    static T Identity<T>(T x)
    {
        return x;
    }

    static T Max<T>(T a, T b) where T : IComparable2<T>
    {
        return a.CompareTo(b) >= 0 ? a : b;
    }

    static void Swap<T>(ref T a, ref T b)
    {
        T t = a;
        a = b;
        b = t;
    }

    static T Default<T>()
    {
        return default(T);
    }

    static bool IsNull<T>(T x) where T : class
    {
        return x == null;
    }

    static int SizeLike<T>(T x) where T : struct
    {
        object o = x; // boxing a T
        return o is int ? 4 : 8;
    }

    static int test_42_box_of_int()
    {
        Box<int> b = new Box<int>(40);
        b.Set(b.Get() + 2);
        return b.Value;
    }

    static int test_5_box_of_string()
    {
        Box<string> b = new Box<string>("hello");
        return b.Get().Length;
    }

    static int test_12_box_of_long_and_double()
    {
        Box<long> l = new Box<long>(10000000000L);
        Box<double> d = new Box<double>(2.5);
        return (int)(l.Value / 1000000000L) + (int)(d.Value * 0.8);
    }

    static int test_21_generic_struct()
    {
        Pair<int, string> p = new Pair<int, string>(18, "abc");
        Pair<string, int> q = p.Swap();
        return q.Second + q.First.Length;
    }

    static int test_3_statics_per_instantiation()
    {
        new Counter<int>();
        new Counter<int>();
        new Counter<string>();
        new Counter<long>();
        new Counter<long>();
        new Counter<long>();
        return Counter<long>.Count * 100 + Counter<int>.Count * 10 + Counter<string>.Count - 318;
    }

    static int test_7_generic_cctor()
    {
        return Lazy<int>.Initialized;
    }

    static int test_55_generic_method()
    {
        return Identity(50) + Identity("abcde").Length;
    }

    static int test_9_generic_method_constraint()
    {
        Meters a = new Meters();
        a.V = 4;
        Meters b = new Meters();
        b.V = 9;
        return Max(a, b).V;
    }

    static int test_21_swap_by_ref()
    {
        int a = 1, b = 2;
        Swap(ref a, ref b);
        string s = "x", t = "yy";
        Swap(ref s, ref t);
        return a * 10 + b + s.Length - 2;
    }

    static int test_0_default()
    {
        return Default<int>() + (Default<string>() == null ? 0 : 1) + (int)Default<long>();
    }

    static int test_1_class_constraint()
    {
        return IsNull<string>(null) && !IsNull("a") ? 1 : 0;
    }

    static int test_12_struct_constraint_boxes()
    {
        return SizeLike(3) + SizeLike(3L);
    }

    static int test_30_generic_collection()
    {
        Stack<int> s = new Stack<int>();
        for (int i = 1; i <= 5; i++)
            s.Push(i * 2);
        int top = s.Pop();
        return top * 3 + s.Count - 4;
    }

    static int test_6_generic_collection_of_refs()
    {
        Stack<string> s = new Stack<string>();
        s.Push("a");
        s.Push("bb");
        s.Push("ccc");
        return s.Pop().Length + s.Pop().Length + s.Pop().Length;
    }

    static int test_14_generic_interface()
    {
        IValue<int> a = new IntValue(10);
        IValue<string> b = new StringValue();
        return a.Value() + b.Value().Length;
    }

    static int test_18_new_and_base_constraints()
    {
        Holder<Square> h = new Holder<Square>();
        Square s = h.Make();
        return h.AreaOf(s) * 2;
    }

    static int test_22_generic_base_class()
    {
        Base<int> b = new Derived(11);
        return b.Item();
    }

    static int test_6_linked_nodes()
    {
        Node<int> head = null;
        for (int i = 1; i <= 3; i++)
        {
            Node<int> n = new Node<int>();
            n.Value = i;
            n.Next = head;
            head = n;
        }
        int sum = 0;
        for (Node<int> n = head; n != null; n = n.Next)
            sum += n.Value;
        return sum;
    }

    static int test_1_type_identity()
    {
        object a = new Box<int>(1);
        object b = new Box<string>("x");
        return a is Box<int> && !(b is Box<int>) && b is Box<string> ? 1 : 0;
    }

    static int test_25_func_and_action()
    {
        Func<int, int> sq = x => x * x;
        Func<int, int, int> add = (x, y) => x + y;
        int total = 0;
        Action<int> acc = x => total += x;
        acc(sq(3));
        acc(add(10, 6));
        return total;
    }

    static int test_8_func_returning_string()
    {
        Func<string> f = () => "eight!!!";
        Func<string, int> len = s => s.Length;
        return len(f());
    }

    static int test_4_predicate()
    {
        Predicate<int> even = x => x % 2 == 0;
        int n = 0;
        for (int i = 0; i < 8; i++)
        {
            if (even(i))
                n++;
        }
        return n;
    }
}
