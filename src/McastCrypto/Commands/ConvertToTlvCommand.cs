using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using McastCrypto.Tlv;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Encodes a TLV record from a type and a value, or concatenates TlvRecord objects from the
    /// pipeline (wrapping them in a record of <c>-Type</c> when one is given).
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "Tlv", DefaultParameterSetName = ValueSet)]
    [OutputType(typeof(byte[]), typeof(string))]
    public sealed class ConvertToTlvCommand : PSCmdlet
    {
        private const string ValueSet = "Value";
        private const string RecordSet = "Record";
        private readonly List<TlvRecord> piped = new List<TlvRecord>();

        /// <summary>The record's type: a name (SenderInfo) or a number 0-65535.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ValueSet)]
        [Parameter(Position = 0, ParameterSetName = RecordSet)]
        [TlvTypeTransformation]
        public TlvType Type { get; set; }

        /// <summary>The value: bytes, a string (UTF-8), or TlvRecord objects (encoded one after another).</summary>
        [Parameter(Position = 1, ParameterSetName = ValueSet)]
        [AllowNull]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public object? Value { get; set; }

        /// <summary>Records to encode one after another.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RecordSet)]
        public TlvRecord[] InputObject { get; set; } = Array.Empty<TlvRecord>();

        /// <summary>Output a lower-case hex string instead of bytes.</summary>
        [Parameter]
        public SwitchParameter AsHex { get; set; }

        /// <summary>Output a Base64 string instead of bytes.</summary>
        [Parameter]
        public SwitchParameter AsBase64 { get; set; }

        protected override void BeginProcessing()
        {
            if (AsHex && AsBase64)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Use -AsHex or -AsBase64, not both."),
                    "ConflictingOutputFormat",
                    ErrorCategory.InvalidArgument,
                    null));
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == RecordSet)
            {
                piped.AddRange(InputObject);
                return;
            }

            byte[] value = ValueBytes(Value);
            CheckLength(value.Length, Value);
            Emit(TlvWriter.Encode(Type, value));
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName != RecordSet || piped.Count == 0)
            {
                // Nothing arrived (an empty pipeline, or only input that failed to bind): nothing to write.
                return;
            }

            byte[] records = TlvWriter.Concat(piped);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Type)))
            {
                CheckLength(records.Length, piped.ToArray());
                records = TlvWriter.Encode(Type, records);
            }

            Emit(records);
        }

        private byte[] ValueBytes(object? value)
        {
            object? raw = value is PSObject wrapped ? wrapped.BaseObject : value;
            switch (raw)
            {
                case null:
                    return Array.Empty<byte>();
                case byte[] bytes:
                    return bytes;
                case string text:
                    return Encoding.UTF8.GetBytes(text);
                case TlvRecord record:
                    return record.ToBytes();
            }

            if (LanguagePrimitives.TryConvertTo(raw, out TlvRecord[] records) && records.Length > 0 && AllRecords(raw))
            {
                return TlvWriter.Concat(records);
            }

            if (LanguagePrimitives.TryConvertTo(raw, out byte[] converted))
            {
                return converted;
            }

            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-Value takes bytes, a string (encoded as UTF-8), or TlvRecord objects; a " + raw.GetType().FullName + " is none of these."),
                "UnsupportedTlvValue",
                ErrorCategory.InvalidArgument,
                value));
            return Array.Empty<byte>();
        }

        private static bool AllRecords(object raw)
        {
            if (raw is not System.Collections.IEnumerable items)
            {
                return false;
            }

            foreach (object? item in items)
            {
                object? inner = item is PSObject p ? p.BaseObject : item;
                if (inner is not TlvRecord)
                {
                    return false;
                }
            }

            return true;
        }

        private void CheckLength(int length, object? target)
        {
            if (length > TlvRecord.MaxValueLength)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"A TLV value holds at most {TlvRecord.MaxValueLength} bytes (the length field is 16 bits); this value has {length}."),
                    "TlvValueTooLong",
                    ErrorCategory.InvalidArgument,
                    target));
            }
        }

        private void Emit(byte[] encoded)
        {
            if (AsHex)
            {
                WriteObject(Hex.Encode(encoded));
            }
            else if (AsBase64)
            {
                WriteObject(Convert.ToBase64String(encoded));
            }
            else
            {
                WriteObject(encoded, enumerateCollection: false);
            }
        }
    }
}
