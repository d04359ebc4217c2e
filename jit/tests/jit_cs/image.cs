// Code images (jit/tests/jit_image.rs): methods whose code refers to
// method tables, cells, statics, strings, helpers and generic
// instantiations, compiled in one runtime and run in another.
using System.Collections.Generic;
using System.Runtime.CompilerServices;

public static class Host {
    // A body the embedder registers (jit_image.rs).
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern int Answer();
}

public class Counter {
    public static int Created;
    public int Value;
    public Counter(int v) { Value = v; Created++; }
    public virtual int Get() { return Value; }
}

public class Twice : Counter {
    public Twice(int v) : base(v) {}
    public override int Get() { return 2 * Value; }
}

public interface IShape { int Area(); }
public struct Square : IShape { public int Side; public int Area() { return Side * Side; } }

public static class Seeded {
    // A static constructor: code reading Table after it ran is not kept.
    public static readonly int[] Table;
    static Seeded() { Table = new int[] { 3, 5, 7 }; }
    public static int Sum() { return Table[0] + Table[1] + Table[2]; }
}

public static class Image {
    public static int Work() {
        var list = new List<Counter>();
        for (int i = 1; i <= 4; i++) list.Add(i % 2 == 0 ? new Twice(i) : new Counter(i));
        int total = 0;
        foreach (var c in list) total += c.Get();
        IShape s = new Square { Side = 3 };
        total += s.Area();
        string text = "image" + total;
        total += text.Length;
        try {
            object o = "not a counter";
            total += ((Counter)o).Value;
        } catch (System.InvalidCastException) {
            total += 100;
        }
        System.Func<int, int> f = x => x + Counter.Created;
        return f(total);
    }

    public static int Statics() { return Seeded.Sum(); }
    public static int AfterCctor() { return Seeded.Table.Length; }
    public static int CallsHost() { return Host.Answer() + 1; }
}
