// Cordon corlib: the few interfaces the language itself refers to.

namespace System
{
    // `using (x) { ... }` calls Dispose through this interface.
    public interface IDisposable
    {
        void Dispose();
    }
}

// mcs requires these two to exist (foreach over a non-array, iterators);
// the generic collections (List.cs, Dictionary.cs, ...) implement them.
namespace System.Collections
{
    public interface IEnumerable
    {
        IEnumerator GetEnumerator();
    }

    public interface IEnumerator
    {
        object Current { get; }
        bool MoveNext();
        void Reset();
    }
}
