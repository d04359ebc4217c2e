// Cordon corlib: System.Runtime.InteropServices, for explicit layouts.
//
// StructLayout and FieldOffset are pseudo-attributes: mcs stores them in the
// TypeDef flags, ClassLayout and FieldLayout tables, which is where the JIT
// reads them. Drivers use them to mirror device register blocks.

namespace System.Runtime.InteropServices
{
    public enum LayoutKind
    {
        Sequential = 0,
        Explicit = 2,
        Auto = 3,
    }

    public enum CharSet
    {
        None = 1,
        Ansi = 2,
        Unicode = 3,
        Auto = 4,
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
    public sealed class StructLayoutAttribute : Attribute
    {
        private LayoutKind _value;
        public int Pack;
        public int Size;
        public CharSet CharSet;

        public StructLayoutAttribute(LayoutKind layoutKind)
        {
            _value = layoutKind;
        }

        public StructLayoutAttribute(short layoutKind)
        {
            _value = (LayoutKind)layoutKind;
        }

        public LayoutKind Value
        {
            get { return _value; }
        }
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = false)]
    public sealed class FieldOffsetAttribute : Attribute
    {
        private int _value;

        public FieldOffsetAttribute(int offset)
        {
            _value = offset;
        }

        public int Value
        {
            get { return _value; }
        }
    }

    [AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
    public sealed class InAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
    public sealed class OutAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
    public sealed class OptionalAttribute : Attribute
    {
    }
}
