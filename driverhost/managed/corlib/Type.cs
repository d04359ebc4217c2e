// Cordon corlib: runtime handles and a minimal System.Type.
//
// A handle is the runtime's own pointer for a type, field or method, wrapped
// so C# can carry it (`ldtoken` pushes one). Type objects are made by the
// runtime, one per loaded type, with the fields below filled in; so `typeof`
// and GetType() results compare with reference equality.

using System.Runtime.CompilerServices;

namespace System
{
    public struct RuntimeTypeHandle
    {
        #pragma warning disable 0649 // filled in by the runtime
        private IntPtr _value;
        #pragma warning restore 0649

        public IntPtr Value
        {
            get { return _value; }
        }
    }

    public struct RuntimeFieldHandle
    {
        #pragma warning disable 0649 // filled in by the runtime
        private IntPtr _value;
        #pragma warning restore 0649

        public IntPtr Value
        {
            get { return _value; }
        }
    }

    public struct RuntimeMethodHandle
    {
        #pragma warning disable 0649 // filled in by the runtime
        private IntPtr _value;
        #pragma warning restore 0649

        public IntPtr Value
        {
            get { return _value; }
        }
    }

    public class Type
    {
        // Filled in by the runtime when it creates the Type object.
        #pragma warning disable 0649 // filled in by the runtime
        private RuntimeTypeHandle _handle;
        private string _name;
        private string _namespace;
        #pragma warning restore 0649

        // Only the runtime makes Type objects.
        private Type()
        {
        }

        // INTERNALCALL: the Type object for a handle (`typeof(T)` is
        // `ldtoken T; call GetTypeFromHandle`).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern Type GetTypeFromHandle(RuntimeTypeHandle handle);

        public RuntimeTypeHandle TypeHandle
        {
            get { return _handle; }
        }

        public string Name
        {
            get { return _name; }
        }

        public string Namespace
        {
            get { return _namespace; }
        }

        public string FullName
        {
            get
            {
                if (String.IsNullOrEmpty(_namespace))
                    return _name;
                return String.Concat(_namespace, ".", _name);
            }
        }

        public override string ToString()
        {
            return FullName;
        }

        public static bool operator ==(Type a, Type b)
        {
            return (object)a == (object)b;
        }

        public static bool operator !=(Type a, Type b)
        {
            return (object)a != (object)b;
        }

        public override bool Equals(object obj)
        {
            return (object)this == obj;
        }

        public override int GetHashCode()
        {
            return RuntimeHelpers.GetHashCode(this);
        }
    }
}
