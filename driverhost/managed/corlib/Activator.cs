// Cordon corlib: System.Activator. C# compiles `new T()` (a `new()`
// constraint) to CreateInstance<T>(); the JIT expands each instantiation
// inline (jit/src/compiler/generic_calls.rs): a zeroed value for a value
// type, `newobj` of the parameterless constructor for a class. The body
// below is never run.

namespace System
{
    public static class Activator
    {
        public static T CreateInstance<T>()
        {
            return default(T);
        }
    }
}
