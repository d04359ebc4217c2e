// Cordon corlib: the base classes of value types and enums.
//
// Boxed value types and enums are ordinary objects whose payload follows the
// header; unboxed, a struct is just its fields with no header (seed bug 3).

using System.Runtime.CompilerServices;

namespace System
{
    public abstract class ValueType
    {
        protected ValueType()
        {
        }

        public override bool Equals(object obj)
        {
            if (obj == null || obj.GetType() != GetType())
                return false;
            return RuntimeHelpers.PayloadEquals(this, obj);
        }

        // Consistent with Equals (equal payloads have the same type), if weak;
        // structs used as keys should override both.
        public override int GetHashCode()
        {
            return GetType().GetHashCode();
        }
    }

    public abstract class Enum : ValueType
    {
        protected Enum()
        {
        }
    }

    // `void`: only ever named in signatures.
    public struct Void
    {
    }
}
