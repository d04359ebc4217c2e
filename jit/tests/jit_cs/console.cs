// Console output through the embedder's WriteCore (jit/tests/jit_console.rs
// captures it and compares with what mono prints for the same calls).

using System;

static class ConsoleOut
{
    static int Check()
    {
        Console.WriteLine("hello");
        Console.WriteLine(42);
        Console.Write("a");
        Console.Write('b');
        Console.WriteLine();
        Console.WriteLine(2.5);
        Console.WriteLine(true);
        Console.WriteLine("{0}+{1}", 1, "x");
        Console.WriteLine((object)null);
        Console.WriteLine(-7L);
        return 42;
    }
}
