// Cordon corlib: System.Runtime.CompilerServices, what mcs needs and emits.

namespace System.Runtime.CompilerServices
{
    public static class RuntimeHelpers
    {
        // INTERNALCALL: copy the raw little-endian bytes of the RVA field
        // `fldHandle` into `array`'s elements. mcs emits this for array
        // initializers (`new int[] { 1, 2, 3, ... }`).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void InitializeArray(Array array, RuntimeFieldHandle fldHandle);

        // INTERNALCALL: an identity hash for `o`, stable for the object's
        // lifetime even if the GC moves it (0 for null).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int GetHashCode(object o);

        // INTERNALCALL: true when the payloads of two boxed values of the same
        // value type are bytewise equal (ValueType.Equals's default). Unlike
        // .NET this does not recurse into reference fields or treat NaN
        // specially; structs that need that override Equals.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern bool PayloadEquals(object a, object b);

        // Runs the static constructor of the type now if it has not run yet.
        // Cordon runs class constructors lazily on first access anyway; this
        // is a no-op kept for source compatibility.
        public static void RunClassConstructor(RuntimeTypeHandle type)
        {
        }
    }

    public enum MethodImplOptions
    {
        Unmanaged = 0x0004,
        NoInlining = 0x0008,
        ForwardRef = 0x0010,
        Synchronized = 0x0020,
        NoOptimization = 0x0040,
        PreserveSig = 0x0080,
        AggressiveInlining = 0x0100,
        // The body is provided by the runtime: how Cordon declares its
        // runtime services and, in the DDK, the port/MMIO intrinsics.
        InternalCall = 0x1000,
    }

    public enum MethodCodeType
    {
        IL = 0,
        Native = 1,
        OPTIL = 2,
        Runtime = 3,
    }

    // A pseudo-attribute: mcs stores it in the MethodDef's ImplFlags.
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor, Inherited = false)]
    public sealed class MethodImplAttribute : Attribute
    {
        private MethodImplOptions _value;
        public MethodCodeType MethodCodeType;

        public MethodImplAttribute()
        {
        }

        public MethodImplAttribute(MethodImplOptions methodImplOptions)
        {
            _value = methodImplOptions;
        }

        public MethodImplAttribute(short value)
        {
            _value = (MethodImplOptions)value;
        }

        public MethodImplOptions Value
        {
            get { return _value; }
        }
    }

    [AttributeUsage(AttributeTargets.All, Inherited = true)]
    public sealed class CompilerGeneratedAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Module | AttributeTargets.Class | AttributeTargets.Method)]
    public class CompilationRelaxationsAttribute : Attribute
    {
        private int _relaxations;

        public CompilationRelaxationsAttribute(int relaxations)
        {
            _relaxations = relaxations;
        }

        public int CompilationRelaxations
        {
            get { return _relaxations; }
        }
    }

    [AttributeUsage(AttributeTargets.Assembly, Inherited = false, AllowMultiple = false)]
    public sealed class RuntimeCompatibilityAttribute : Attribute
    {
        private bool _wrap;

        public bool WrapNonExceptionThrows
        {
            get { return _wrap; }
            set { _wrap = value; }
        }
    }

    [AttributeUsage(AttributeTargets.Property, Inherited = true)]
    public sealed class IndexerNameAttribute : Attribute
    {
        public IndexerNameAttribute(string indexerName)
        {
        }
    }

    // Emitted on `fixed` buffer fields (`fixed byte Data[16]`), which DDK
    // structs mirroring hardware layouts use.
    [AttributeUsage(AttributeTargets.Field, Inherited = false)]
    public sealed class FixedBufferAttribute : Attribute
    {
        private Type _elementType;
        private int _length;

        public FixedBufferAttribute(Type elementType, int length)
        {
            _elementType = elementType;
            _length = length;
        }

        public Type ElementType
        {
            get { return _elementType; }
        }

        public int Length
        {
            get { return _length; }
        }
    }

    [AttributeUsage(AttributeTargets.Struct)]
    public sealed class UnsafeValueTypeAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Method | AttributeTargets.Assembly)]
    public sealed class ExtensionAttribute : Attribute
    {
    }

    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
    public sealed class InternalsVisibleToAttribute : Attribute
    {
        private string _assemblyName;

        public InternalsVisibleToAttribute(string assemblyName)
        {
            _assemblyName = assemblyName;
        }

        public string AssemblyName
        {
            get { return _assemblyName; }
        }
    }

    // The modreq mcs puts on `volatile` fields; the JIT must not cache them.
    public static class IsVolatile
    {
    }
}
