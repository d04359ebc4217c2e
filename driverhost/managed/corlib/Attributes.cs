// Cordon corlib: System.Attribute and the attributes the C# compiler names.
//
// Custom attributes are metadata only: nothing here runs at load time. The
// JIT reads attribute blobs straight from the metadata when it cares (e.g.
// StructLayout is a pseudo-attribute stored in the TypeDef flags anyway).

namespace System
{
    public abstract class Attribute
    {
        protected Attribute()
        {
        }
    }

    [Flags]
    public enum AttributeTargets
    {
        Assembly = 0x0001,
        Module = 0x0002,
        Class = 0x0004,
        Struct = 0x0008,
        Enum = 0x0010,
        Constructor = 0x0020,
        Method = 0x0040,
        Property = 0x0080,
        Field = 0x0100,
        Event = 0x0200,
        Interface = 0x0400,
        Parameter = 0x0800,
        Delegate = 0x1000,
        ReturnValue = 0x2000,
        GenericParameter = 0x4000,
        All = 0x7fff,
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = true)]
    public sealed class AttributeUsageAttribute : Attribute
    {
        private AttributeTargets _validOn;
        private bool _allowMultiple;
        private bool _inherited = true;

        public AttributeUsageAttribute(AttributeTargets validOn)
        {
            _validOn = validOn;
        }

        public AttributeTargets ValidOn
        {
            get { return _validOn; }
        }

        public bool AllowMultiple
        {
            get { return _allowMultiple; }
            set { _allowMultiple = value; }
        }

        public bool Inherited
        {
            get { return _inherited; }
            set { _inherited = value; }
        }
    }

    [AttributeUsage(AttributeTargets.Enum, Inherited = false)]
    public class FlagsAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Parameter, Inherited = true)]
    public sealed class ParamArrayAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.All, Inherited = false)]
    public sealed class ObsoleteAttribute : Attribute
    {
        private string _message;
        private bool _error;

        public ObsoleteAttribute()
        {
        }

        public ObsoleteAttribute(string message)
        {
            _message = message;
        }

        public ObsoleteAttribute(string message, bool error)
        {
            _message = message;
            _error = error;
        }

        public string Message
        {
            get { return _message; }
        }

        public bool IsError
        {
            get { return _error; }
        }
    }

    [AttributeUsage(AttributeTargets.All, Inherited = true)]
    public sealed class CLSCompliantAttribute : Attribute
    {
        private bool _compliant;

        public CLSCompliantAttribute(bool isCompliant)
        {
            _compliant = isCompliant;
        }

        public bool IsCompliant
        {
            get { return _compliant; }
        }
    }

    // `[ThreadStatic]` is accepted so sources compile; Cordon's driver host
    // runs managed code on one thread, so it is an ordinary static there.
    [AttributeUsage(AttributeTargets.Field, Inherited = false)]
    public class ThreadStaticAttribute : Attribute
    {
    }
}
