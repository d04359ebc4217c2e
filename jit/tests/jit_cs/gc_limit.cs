// Heap limit (docs/gc.md): filling the heap raises OutOfMemoryException in
// managed code; once the filler is dropped, allocation works again.

using System;

class Chain
{
    public Chain Next;
    public long[] Payload;
}

class Limit
{
    static Chain head;

    // How many 8 KiB links fit before OutOfMemoryException, or -1.
    static int Fill()
    {
        int n = 0;
        try
        {
            while (true)
            {
                Chain c = new Chain();
                c.Next = head;
                c.Payload = new long[1000];
                head = c;
                n++;
            }
        }
        catch (OutOfMemoryException)
        {
            head = null;
        }
        for (int i = 0; i < 2000; i++)
        {
            long[] again = new long[1000];
            again[999] = i;
            if (again[999] != i)
                return -1;
        }
        return n;
    }

    // Garbage only: many times the limit in total, never OutOfMemory.
    static int Churn()
    {
        long sum = 0;
        for (int i = 0; i < 5000; i++)
        {
            long[] a = new long[1000];
            a[0] = i;
            sum += a[0];
        }
        return sum == 4999L * 5000 / 2 ? 1 : 0;
    }

    static int Id(int i)
    {
        return i;
    }

    // Calls, but no reference is live across any of them.
    static int NoRefs(int n)
    {
        int s = 0;
        for (int i = 0; i < n; i++)
            s += Id(i);
        return s;
    }

    // Three references live across the call to Id.
    static int ThreeRefs()
    {
        Chain a = new Chain();
        Chain b = new Chain();
        string c = "c" + Id(1);
        int k = Id(2);
        return (a.Next == null ? 1 : 0) + (b.Next == null ? 1 : 0) + c.Length + k;
    }

    static int Length(Chain c)
    {
        int n = 0;
        for (; c != null; c = c.Next)
            n++;
        return n;
    }

    // Its loops allocate, so its reference locals live in stack slots
    // (docs/jit.md, "Frame"): after their last read they must not keep
    // the first 3 MiB chain alive while a second one is built under the
    // 4 MiB limit.
    static int DropThenAllocate()
    {
        Chain c = null;
        for (int i = 0; i < 400; i++)
        {
            Chain n = new Chain();
            n.Next = c;
            n.Payload = new long[1000];
            c = n;
        }
        int len = Length(c);
        Chain d = null;
        for (int i = 0; i < 300; i++)
        {
            Chain m = new Chain();
            m.Next = d;
            m.Payload = new long[1000];
            d = m;
        }
        return len == 400 && Length(d) == 300 ? 1 : 0;
    }

    static object[] kept;

    // 10,000 small objects kept (allocated on the inline path).
    static int KeepSmall()
    {
        kept = new object[10000];
        for (int i = 0; i < kept.Length; i++)
            kept[i] = new Chain();
        return kept.Length;
    }

    static int DropSmall()
    {
        kept = null;
        return 0;
    }
}
