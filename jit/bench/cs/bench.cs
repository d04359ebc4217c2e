// JIT micro-benchmarks, timed under cilrun and under mono by
// `cargo xtask bench jit`. Same convention as the tests: each returns a
// known value, so a wrong JIT is caught rather than timed.

interface IShape
{
    int Area();
}

class Sq : IShape
{
    public int S;
    public Sq(int s) { S = s; }
    public virtual int Area() { return S * S; }
}

class Sq2 : Sq
{
    public Sq2(int s) : base(s) { }
    public override int Area() { return S * S + 1; }
}

class TreeNode
{
    public TreeNode L, R;
}

struct P
{
    public int X;
    public int Y;
    public long Z;
}

static class Bench
{
    const int N = 20000000;

    static int test_0_empty()
    {
        return 0;
    }

    static int test_1_integer_loop()
    {
        int acc = 0;
        for (int i = 0; i < N * 5; i++)
            acc = acc * 31 + i;
        return acc != 12345 ? 1 : 0;
    }

    static int test_1_struct_fields()
    {
        P p = new P();
        for (int i = 0; i < N * 2; i++)
        {
            p.X += i;
            p.Y ^= p.X;
            p.Z += p.Y;
        }
        return p.Z != 0 ? 1 : 0;
    }

    static int test_1_array_sum()
    {
        int[] a = new int[1000];
        for (int i = 0; i < a.Length; i++)
            a[i] = i;
        long s = 0;
        for (int r = 0; r < N / 500; r++)
            for (int i = 0; i < a.Length; i++)
                s += a[i];
        return s == (long)(N / 500) * 499500 ? 1 : 0;
    }

    static int test_1_virtual_and_interface_calls()
    {
        Sq a = new Sq(3);
        Sq b = new Sq2(3);
        IShape c = b;
        int s = 0;
        for (int i = 0; i < N / 2; i++)
            s += a.Area() + b.Area() + c.Area();
        return s == (N / 2) * 29 ? 1 : 0;
    }

    static int test_1_string_building()
    {
        int total = 0;
        for (int r = 0; r < 2000; r++)
        {
            string s = "";
            for (int i = 0; i < 100; i++)
                s = s + i;
            total += s.Length;
        }
        return total == 2000 * 190 ? 1 : 0;
    }

    static TreeNode Bottom(int d)
    {
        TreeNode t = new TreeNode();
        if (d > 0)
        {
            t.L = Bottom(d - 1);
            t.R = Bottom(d - 1);
        }
        return t;
    }

    static int Count(TreeNode t)
    {
        return t.L == null ? 1 : 1 + Count(t.L) + Count(t.R);
    }

    // The binary-trees benchmark (Computer Language Benchmarks Game shape):
    // a long-lived tree of depth 16 while many short-lived trees of depth
    // 4..16 are built and walked; almost every object dies young.
    static int test_1_binary_trees()
    {
        const int maxDepth = 16;
        TreeNode longLived = Bottom(maxDepth);
        long check = 0;
        for (int d = 4; d <= maxDepth; d += 2)
        {
            int iters = 1 << (maxDepth - d + 4);
            for (int i = 0; i < iters; i++)
                check += Count(Bottom(d));
        }
        check += Count(longLived);
        return check == 14723759L ? 1 : 0;
    }
}
