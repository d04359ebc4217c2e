// Cordon corlib: the comparison, equality, cloning interfaces.

namespace System
{
    public interface IComparable
    {
        int CompareTo(object obj);
    }

    public interface IComparable<in T>
    {
        int CompareTo(T other);
    }

    public interface IEquatable<T>
    {
        bool Equals(T other);
    }

    public interface ICloneable
    {
        object Clone();
    }
}
