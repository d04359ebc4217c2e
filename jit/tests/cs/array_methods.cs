// JIT tests: System.Array's Copy, IndexOf, Clone and GetValue, against mono.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Each test counts the checks that hold.

struct Cell3
{
    public int A;
    public long B;
    public byte C;
}

class Animal { public int Id; }
class Dog : Animal { }

static class ArrayMethods
{
    static int test_7_copy()
    {
        int r = 0;
        int[] src = { 1, 2, 3, 4, 5 };
        int[] dst = new int[5];
        System.Array.Copy(src, dst, 5);
        if (dst[0] == 1 && dst[4] == 5) r++;
        System.Array.Copy(src, 1, dst, 0, 3);
        if (dst[0] == 2 && dst[2] == 4 && dst[3] == 4) r++;
        // Overlapping copy within one array moves as if through a buffer.
        System.Array.Copy(src, 0, src, 1, 4);
        if (src[0] == 1 && src[1] == 1 && src[4] == 4) r++;
        Cell3[] cells = new Cell3[3];
        cells[1].B = 77;
        cells[1].C = 9;
        Cell3[] cells2 = new Cell3[3];
        System.Array.Copy(cells, 1, cells2, 2, 1);
        if (cells2[2].B == 77 && cells2[2].C == 9 && cells2[1].B == 0) r++;
        Dog[] dogs = { new Dog(), new Dog() };
        dogs[1].Id = 12;
        Animal[] animals = new Animal[2];
        System.Array.Copy(dogs, animals, 2);
        if (animals[1].Id == 12) r++;
        Dog[] back = new Dog[2];
        System.Array.Copy(animals, back, 2);
        if (back[1] == dogs[1]) r++;
        string[] strs = { "a", "b" };
        object[] objs = new object[3];
        System.Array.Copy(strs, 0, objs, 1, 2);
        if ((string)objs[2] == "b" && objs[0] == null) r++;
        return r;
    }

    static int test_5_copy_errors()
    {
        int r = 0;
        int[] a = new int[3];
        try { System.Array.Copy(a, 0, new int[2], 0, 3); } catch (System.ArgumentException) { r++; }
        try { System.Array.Copy(a, -1, new int[5], 0, 1); } catch (System.ArgumentOutOfRangeException) { r++; }
        try { System.Array.Copy(null, a, 1); } catch (System.ArgumentNullException) { r++; }
        try { System.Array.Copy(a, new string[3], 3); r--; } catch (System.ArrayTypeMismatchException) { r++; }
        Animal[] animals = { new Animal() };
        try { System.Array.Copy(animals, new Dog[1], 1); } catch (System.InvalidCastException) { r++; }
        return r;
    }

    static int test_8_index_of()
    {
        int r = 0;
        int[] nums = { 4, 8, 15, 16, 23, 42 };
        if (System.Array.IndexOf(nums, 16) == 3 && System.Array.IndexOf(nums, 99) == -1) r++;
        if (System.Array.IndexOf(nums, 4, 1) == -1 && System.Array.IndexOf(nums, 42, 5) == 5) r++;
        string[] names = { "blk", "net", null, "net" };
        if (System.Array.IndexOf(names, "net") == 1 && System.Array.IndexOf(names, null) == 2) r++;
        if (System.Array.IndexOf(names, new string('n', 1) + "et") == 1) r++;
        Dog d = new Dog();
        Animal[] animals = { new Animal(), d };
        if (System.Array.IndexOf(animals, d) == 1 && System.Array.IndexOf(animals, new Dog()) == -1) r++;
        // A long 8 is not an int 8: boxed values of different types differ.
        if (System.Array.IndexOf(nums, 8L) == -1) r++;
        double[] ds = { 0.5, double.NaN };
        if (System.Array.IndexOf(ds, double.NaN) == 1) r++;
        char[] cs = { 'x', 'y' };
        if (System.Array.IndexOf(cs, 'y') == 1) r++;
        return r;
    }

    static int test_6_clone_and_get_value()
    {
        int r = 0;
        int[] a = { 1, 2, 3 };
        int[] b = (int[])a.Clone();
        b[0] = 10;
        if (a[0] == 1 && b[0] == 10 && b.Length == 3 && b[2] == 3) r++;
        Cell3[] cells = new Cell3[2];
        cells[1].B = 5;
        Cell3[] cc = (Cell3[])cells.Clone();
        if (cc[1].B == 5 && cc != cells) r++;
        Dog[] dogs = { new Dog() };
        Dog[] dd = (Dog[])dogs.Clone();
        if (dd[0] == dogs[0]) r++;
        object o = a.GetValue(1);
        if (o is int && (int)o == 2) r++;
        object c = cells.GetValue(1);
        if (c is Cell3 && ((Cell3)c).B == 5) r++;
        try { a.GetValue(3); } catch (System.IndexOutOfRangeException) { r++; }
        return r;
    }
}
