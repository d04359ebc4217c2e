// Cordon corlib: the one System.Reflection type the compiler needs.
//
// mcs marks a type that has an indexer with [DefaultMember("Chars")] (or
// "Item"); a compiler reading the corlib back uses it to find `this[int]`.
// Without it, `s[i]` on a string would not compile against this corlib.

namespace System.Reflection
{
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface)]
    public sealed class DefaultMemberAttribute : Attribute
    {
        private string _memberName;

        public DefaultMemberAttribute(string memberName)
        {
            _memberName = memberName;
        }

        public string MemberName
        {
            get { return _memberName; }
        }
    }
}
