// The generational collector (docs/gc.md, "Generations"): young objects
// reachable only through an old object's field (the write barrier's
// remembered set), managed pointers into moved objects, pinned objects.

using System;

class Node
{
    public Node Next;
    public int Value;
    public string Text;
}

unsafe class Gen
{
    static Node old;
    static Node[] oldArray;
    static object sink;

    // An object for the old generation (the test collects after this).
    static int MakeOld()
    {
        old = new Node();
        old.Value = -1;
        oldArray = new Node[4];
        return 1;
    }

    // Young nodes reachable only through `old.Next` and `oldArray`.
    static int StoreYoung()
    {
        for (int i = 0; i < 5; i++)
        {
            Node n = new Node();
            n.Value = i + 7;
            n.Text = "t" + i;
            n.Next = old.Next;
            old.Next = n;
        }
        for (int i = 0; i < 4; i++)
        {
            Node n = new Node();
            n.Value = 100 + i;
            oldArray[i] = n;
        }
        return 1;
    }

    // 1 when the nodes StoreYoung made are intact.
    static int CheckYoung()
    {
        int expect = 11;
        int count = 0;
        for (Node n = old.Next; n != null; n = n.Next)
        {
            if (n.Value != expect || n.Text != "t" + (expect - 7))
                return 0;
            expect--;
            count++;
        }
        for (int i = 0; i < 4; i++)
            if (oldArray[i] == null || oldArray[i].Value != 100 + i)
                return 0;
        return count == 5 ? 1 : 0;
    }

    // Garbage: enough young objects to fill a small nursery many times.
    static void Churn()
    {
        for (int i = 0; i < 20000; i++)
            sink = new Node();
        sink = null;
    }

    static Node Make(int v)
    {
        Node n = new Node();
        n.Value = v;
        return n;
    }

    // `x` points into a young object reachable only through it.
    static int Touch(ref int x)
    {
        Churn();
        x = x + 1;
        Churn();
        return x;
    }

    static int ManagedPointer()
    {
        return Touch(ref Make(41).Value);
    }

    // Both a reference and a managed pointer into the same object.
    static int ManagedPointerAndRef()
    {
        Node n = Make(10);
        int r = Touch(ref n.Value);
        return r == 11 && n.Value == 11 ? 1 : 0;
    }

    // Writes through a native pointer (which no stack map describes)
    // across collections.
    static void Poke(int* p)
    {
        Churn();
        p[3] = 5;
        Churn();
        p[4] = p[3] + 1;
    }

    // A pinned array must stay where the native pointer says.
    static int Pinned()
    {
        int[] a = new int[8];
        fixed (int* p = &a[0])
        {
            Poke(p);
        }
        Churn();
        return a[3] * 10 + a[4];
    }

    // `stackalloc` blocks are young but never move, and live as long as
    // their frame (the older one only through the newer one's link).
    static int StackAlloc()
    {
        int* a = stackalloc int[8];
        a[0] = 3;
        Churn();
        int* b = stackalloc int[8];
        b[0] = 4;
        Churn();
        a[1] = a[0] + b[0];
        Churn();
        return a[0] * 100 + b[0] * 10 + a[1];
    }

    // Identity hashes survive moves.
    static int Hash()
    {
        object o = new Node();
        int h = o.GetHashCode();
        Churn();
        return o.GetHashCode() == h ? 1 : 0;
    }
}
