// JIT tests: explicit null checks and the null-handling operators. None of
// these dereference null, so they run before the JIT has exceptions; the
// NullReferenceException cases are in exceptions.cs.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

class Node
{
    public int Value;
    public Node Next;

    public Node(int value, Node next)
    {
        Value = value;
        Next = next;
    }
}

static class NullChecks
{
    static Node Build(int n)
    {
        Node head = null;
        for (int i = n; i >= 1; i--)
            head = new Node(i, head);
        return head;
    }

    static int test_55_walk_list_until_null()
    {
        int sum = 0;
        for (Node n = Build(10); n != null; n = n.Next)
            sum += n.Value;
        return sum;
    }

    static int Length(Node n)
    {
        return n == null ? 0 : 1 + Length(n.Next);
    }

    static int test_7_recursive_null_base_case()
    {
        return Length(Build(7));
    }

    static int test_5_null_coalescing()
    {
        string a = null;
        string b = a ?? "fives";
        Node n = null;
        Node m = n ?? new Node(0, null);
        return b.Length + m.Value;
    }

    static int test_3_null_conditional()
    {
        Node n = Build(3);
        Node none = null;
        // ?. evaluates to null instead of dereferencing
        Node third = n?.Next?.Next;
        Node nothing = none?.Next;
        return nothing == null && third != null ? third.Value : -1;
    }

    static int test_1_null_and_as()
    {
        object o = null;
        string s = o as string;
        object t = "t";
        Node notANode = t as Node;
        return s == null && notANode == null ? 1 : 0;
    }

    static int test_2_brtrue_on_references()
    {
        object o = new object();
        object n = null;
        int r = 0;
        if (o != null) r++;
        if (n == null) r++;
        if (n != null) r += 100;
        return r;
    }

    static int test_1_null_string_equality()
    {
        string a = null, b = null, c = "";
        return a == b && a != c && c != null && !string.Equals(c, null) ? 1 : 0;
    }

    static int test_1_null_array_check()
    {
        int[] arr = null;
        int len = arr == null ? -1 : arr.Length;
        arr = new int[0];
        return len == -1 && arr != null && arr.Length == 0 ? 1 : 0;
    }
}
