// Cordon corlib: System.TypeInitializationException.
//
// Layout contract with the runtime: when a static constructor throws, the
// JIT's runtime (rt_run_cctor) allocates this type without running a
// constructor and sets Exception's private `_message` and `_innerException`
// (the exception the static constructor threw) and `_typeName` here. It
// keeps that one object and throws it again at every later access to the
// type, as .NET does.

namespace System
{
    public sealed class TypeInitializationException : SystemException
    {
        private string _typeName;

        public TypeInitializationException(string fullTypeName, Exception innerException)
            : base(String.Concat("The type initializer for '", fullTypeName, "' threw an exception."), innerException)
        {
            _typeName = fullTypeName;
        }

        public string TypeName
        {
            get { return _typeName; }
        }
    }
}
