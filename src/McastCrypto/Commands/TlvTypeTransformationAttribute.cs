using System;
using System.Globalization;
using System.Management.Automation;
using McastCrypto.Tlv;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Lets a TlvType parameter take any number 0-65535 as well as a name: PowerShell's own enum
    /// conversion refuses numbers that have no name.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class TlvTypeTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object? raw = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            switch (raw)
            {
                case TlvType type:
                    return type;
                case string text:
                    if (Enum.TryParse(text.Trim(), ignoreCase: true, out TlvType named) && !IsNumber(text))
                    {
                        return named;
                    }

                    if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed))
                    {
                        return FromNumber(parsed, inputData);
                    }

                    break;
                case byte or sbyte or short or ushort or int or uint or long or ulong:
                    return FromNumber(Convert.ToInt64(raw, CultureInfo.InvariantCulture), inputData);
            }

            throw new ArgumentTransformationMetadataException(
                string.Format(CultureInfo.InvariantCulture, "'{0}' is not a TLV type: give a name ({1}) or a number 0-65535.", inputData, string.Join(", ", Enum.GetNames(typeof(TlvType)))));
        }

        private static bool IsNumber(string text) => long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _);

        private static TlvType FromNumber(long number, object inputData)
        {
            if (number < 0 || number > ushort.MaxValue)
            {
                throw new ArgumentTransformationMetadataException(
                    string.Format(CultureInfo.InvariantCulture, "{0} is not a TLV type: the type field is 16 bits, so a number must be 0-65535.", inputData));
            }

            return (TlvType)number;
        }
    }
}
