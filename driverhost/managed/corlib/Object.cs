// Cordon corlib: the root of the type hierarchy.
//
// Object has no instance fields here: the object header (method-table pointer,
// and whatever else the GC wants) is the runtime's business and invisible to C#.

using System.Runtime.CompilerServices;

namespace System
{
    public class Object
    {
        public Object()
        {
        }

        public virtual bool Equals(object obj)
        {
            return ReferenceEquals(this, obj);
        }

        public static bool Equals(object a, object b)
        {
            if (ReferenceEquals(a, b))
                return true;
            if (a == null || b == null)
                return false;
            return a.Equals(b);
        }

        public static bool ReferenceEquals(object a, object b)
        {
            // `==` on two `object`s is ceq on the references, never an overload.
            return a == b;
        }

        public virtual int GetHashCode()
        {
            return RuntimeHelpers.GetHashCode(this);
        }

        public virtual string ToString()
        {
            return GetType().FullName;
        }

        // INTERNALCALL: the exact runtime type of this object, as the one
        // Type object the runtime keeps per loaded type (so `==` works).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public extern Type GetType();

        // INTERNALCALL: a new object of this one's exact type holding a copy
        // of its fields (references are copied, not the objects they name).
        [MethodImpl(MethodImplOptions.InternalCall)]
        protected extern object MemberwiseClone();

        ~Object()
        {
        }
    }
}
