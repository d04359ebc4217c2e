// The collector (docs/gc.md): objects reachable from locals, arguments,
// statics, fields, arrays and struct fields survive collections; garbage is
// reclaimed. Run under mono (the oracle), under cilrun, and under cilrun in
// GC stress mode (a collection at every allocation), where a reference the
// stack maps miss shows as a poisoned object.

using System;

class Node
{
    public Node Left, Right;
    public int Value;
    public string Name;

    public Node(Node l, Node r, int v)
    {
        Left = l;
        Right = r;
        Value = v;
    }
}

struct Pair
{
    public object A;
    public int N;
    public string B;
}

class Box2
{
    public Pair P;
}

class GcTests
{
    static Node keep;
    static Pair staticPair;

    static Node Tree(int depth)
    {
        if (depth == 0)
            return new Node(null, null, 1);
        return new Node(Tree(depth - 1), Tree(depth - 1), depth);
    }

    static int Check(Node n)
    {
        if (n.Left == null)
            return n.Value;
        return n.Value + Check(n.Left) + Check(n.Right);
    }

    static void Churn(int n)
    {
        for (int i = 0; i < n; i++)
        {
            object o = new int[16];
            string s = "x" + i;
        }
    }

    static int test_1_collect_counts()
    {
        int before = GC.CollectionCount(GC.MaxGeneration);
        GC.Collect();
        return GC.CollectionCount(GC.MaxGeneration) > before ? 1 : 0;
    }

    static int test_2_tree_survives_collections()
    {
        Node t = Tree(8);
        int before = Check(t);
        for (int i = 0; i < 5; i++)
        {
            Churn(200);
            GC.Collect();
        }
        return Check(t) == before && before == Check(Tree(8)) ? 2 : 0;
    }

    static int test_3_static_root()
    {
        keep = Tree(5);
        Churn(300);
        GC.Collect();
        int r = Check(keep);
        keep = null;
        return r == Check(Tree(5)) ? 3 : 0;
    }

    static int test_4_array_of_references()
    {
        string[] a = new string[64];
        for (int i = 0; i < a.Length; i++)
            a[i] = "s" + i;
        Churn(300);
        GC.Collect();
        for (int i = 0; i < a.Length; i++)
            if (a[i] != "s" + i)
                return 0;
        return 4;
    }

    static int test_5_struct_fields()
    {
        Pair p;
        p.A = new Node(null, null, 7);
        p.N = 3;
        p.B = "b" + p.N;
        staticPair.A = new Node(null, null, 9);
        staticPair.B = "static" + 1;
        Box2 box = new Box2();
        box.P.A = "boxed" + 2;
        Pair[] pairs = new Pair[8];
        for (int i = 0; i < pairs.Length; i++)
        {
            pairs[i].A = new Node(null, null, i);
            pairs[i].B = "p" + i;
        }
        Churn(300);
        GC.Collect();
        int sum = 0;
        for (int i = 0; i < pairs.Length; i++)
            sum += ((Node)pairs[i].A).Value + (pairs[i].B == "p" + i ? 1 : 100);
        bool ok = ((Node)p.A).Value == 7 && p.B == "b3" && ((Node)staticPair.A).Value == 9
            && staticPair.B == "static1" && (string)box.P.A == "boxed2" && sum == 28 + 8;
        return ok ? 5 : 0;
    }

    static int[] Fresh()
    {
        int[] a = new int[4];
        a[2] = 40;
        return a;
    }

    // The array is reachable only through the managed pointer `x`.
    static int Bump(ref int x)
    {
        Churn(300);
        GC.Collect();
        Churn(300);
        x += 1;
        return x;
    }

    static int test_6_boxed_values_and_interior_pointers()
    {
        object o = 41;
        Churn(300);
        GC.Collect();
        return (int)o + 1 == 42 && Bump(ref Fresh()[2]) == 41 ? 6 : 0;
    }

    static int test_7_total_memory_is_reported()
    {
        long m = GC.GetTotalMemory(false);
        return m > 0 ? 7 : 0;
    }

    static int test_8_exception_object_survives()
    {
        try
        {
            try
            {
                throw new InvalidOperationException("kept" + 8);
            }
            finally
            {
                Churn(200);
                GC.Collect();
            }
        }
        catch (InvalidOperationException e)
        {
            Churn(200);
            GC.Collect();
            return e.Message == "kept8" ? 8 : 0;
        }
    }

    static int test_9_string_building()
    {
        string s = "";
        for (int i = 0; i < 200; i++)
            s = s + (char)('a' + i % 26);
        GC.Collect();
        return s.Length == 200 && s[27] == 'b' ? 9 : 0;
    }
}
