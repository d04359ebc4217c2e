// MonoRunner: the differential oracle for Cordon's JIT tests.
//
// Compiled against mono's real class library (never Cordon's corlib). Loads a
// test assembly (the same C# source, compiled against mono's mscorlib), runs
// every static `int test_<N>_<name>()` in metadata order, and prints one line
// per test:
//
//     PASS Type.test_N_name
//     FAIL Type.test_N_name: returned X, expected N
//     FAIL Type.test_N_name: threw System.SomeException
//     FAIL Type.test_name: not a test (want static int test_<N>_<name>())
//
// then `P passed, F failed`. Cordon's `cilrun` prints the same lines, so
// `cargo xtask` can compare the two runs test by test (xtask/src/managed.rs,
// parse_results). Exit status: 0 all passed, 1 some failed, 2 bad usage.
//
// usage: mono MonoRunner.exe TEST-ASSEMBLY [NAME-SUBSTRING]

using System;
using System.Collections.Generic;
using System.Reflection;

static class MonoRunner
{
    const BindingFlags AllStatic =
        BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    static int Main(string[] args)
    {
        if (args.Length < 1 || args.Length > 2)
        {
            Console.Error.WriteLine("usage: mono MonoRunner.exe TEST-ASSEMBLY [NAME-SUBSTRING]");
            return 2;
        }
        string filter = args.Length == 2 ? args[1] : null;

        Assembly assembly;
        try
        {
            assembly = Assembly.LoadFrom(args[0]);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("cannot load " + args[0] + ": " + e.Message);
            return 2;
        }

        int passed = 0, failed = 0;
        foreach (MethodInfo method in TestMethods(assembly))
        {
            string name = method.DeclaringType.FullName + "." + method.Name;
            if (filter != null && name.IndexOf(filter, StringComparison.Ordinal) < 0)
                continue;
            string failure = Run(method);
            if (failure == null)
            {
                passed++;
                Console.WriteLine("PASS " + name);
            }
            else
            {
                failed++;
                Console.WriteLine("FAIL " + name + ": " + failure);
            }
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    // Every static method whose name starts with `test_`, in MethodDef
    // (metadata token) order: the order `cilrun` walks the tables in.
    static List<MethodInfo> TestMethods(Assembly assembly)
    {
        var tests = new List<MethodInfo>();
        foreach (Type type in assembly.GetTypes())
        {
            foreach (MethodInfo m in type.GetMethods(AllStatic))
            {
                if (m.Name.StartsWith("test_", StringComparison.Ordinal))
                    tests.Add(m);
            }
        }
        tests.Sort((a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
        return tests;
    }

    // Null when the test passed, else the text after "FAIL name: ".
    static string Run(MethodInfo method)
    {
        int expected;
        if (!TryExpected(method, out expected))
            return "not a test (want static int test_<N>_<name>())";
        object result;
        try
        {
            result = method.Invoke(null, null);
        }
        catch (TargetInvocationException e)
        {
            Exception inner = e.InnerException ?? e;
            return "threw " + inner.GetType().FullName;
        }
        int got = (int)result;
        if (got == expected)
            return null;
        return "returned " + got + ", expected " + expected;
    }

    // `test_<N>_<name>`: N is decimal digits, name is not empty.
    static bool TryExpected(MethodInfo method, out int expected)
    {
        expected = 0;
        if (method.ReturnType != typeof(int) || method.GetParameters().Length != 0
            || method.IsGenericMethodDefinition)
            return false;
        string rest = method.Name.Substring("test_".Length);
        int underscore = rest.IndexOf('_');
        if (underscore <= 0 || underscore == rest.Length - 1)
            return false;
        long n = 0;
        for (int i = 0; i < underscore; i++)
        {
            char c = rest[i];
            if (c < '0' || c > '9')
                return false;
            n = n * 10 + (c - '0');
            if (n > int.MaxValue)
                return false;
        }
        expected = (int)n;
        return true;
    }
}
