using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using McastCrypto.Protocol;
using McastCrypto.Tlv;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Decodes TLV records from bytes, hex, Base64 or a file. A malformed record is a non-terminating
    /// error with its offset and reason; the records before it are still written.
    /// </summary>
    [Cmdlet(VerbsData.ConvertFrom, "Tlv", DefaultParameterSetName = BytesSet)]
    [OutputType(typeof(TlvRecord))]
    public sealed class ConvertFromTlvCommand : PSCmdlet
    {
        private const string BytesSet = "Bytes";
        private const string HexSet = "Hex";
        private const string Base64Set = "Base64";
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        // Bytes piped one at a time (an unrolled byte[]) arrive as one-byte arrays; they are gathered
        // and decoded as one buffer at the end. A real one-byte buffer could never hold a record anyway.
        private readonly List<byte> looseBytes = new List<byte>();

        /// <summary>
        /// The bytes to decode: each byte[] is one buffer; single bytes from the pipeline are gathered
        /// into one. An object with a Bytes property (what Watch-McastGroup writes) binds by property name.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = BytesSet)]
        [Alias("Bytes")]
        [AllowEmptyCollection]
        public byte[] InputObject { get; set; } = Array.Empty<byte>();

        /// <summary>Hex text to decode (white space, ':' and '-' between bytes and a leading 0x are allowed); strings from the pipeline are read as hex.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = HexSet)]
        [AllowEmptyString]
        public string Hex { get; set; } = string.Empty;

        /// <summary>Base64 text to decode.</summary>
        [Parameter(Mandatory = true, ParameterSetName = Base64Set)]
        [AllowEmptyString]
        public string Base64 { get; set; } = string.Empty;

        /// <summary>Files whose whole content is decoded (wildcards allowed).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [SupportsWildcards]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files whose whole content is decoded, named exactly.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Also decode the known inner structures: SenderInfo, FragmentedData, ClientConnect, ClientDisconnect.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case HexSet:
                    // Anything piped that is neither bytes nor a file arrives here as text.
                    DecodeText(Hex, McastCrypto.Tlv.Hex.Decode, "InvalidHex", " ConvertFrom-Tlv reads bytes, a file, or hex text (-Hex, and strings from the pipeline); use -Base64 for Base64.");
                    break;
                case Base64Set:
                    DecodeText(Base64, Convert.FromBase64String, "InvalidBase64", string.Empty);
                    break;
                case PathSet:
                case LiteralPathSet:
                    DecodeFiles();
                    break;
                default:
                    TakeInput(InputObject);
                    break;
            }
        }

        protected override void EndProcessing()
        {
            if (looseBytes.Count > 0)
            {
                Decode(looseBytes.ToArray());
            }
        }

        private void TakeInput(byte[] input)
        {
            if (input.Length == 1 && MyInvocation.ExpectingInput)
            {
                looseBytes.Add(input[0]);
                return;
            }

            Decode(input);
        }

        private void DecodeText(string text, Func<string, byte[]> parse, string errorId, string hint)
        {
            byte[] bytes;
            try
            {
                bytes = parse(text);
            }
            catch (FormatException e)
            {
                WriteError(new ErrorRecord(new FormatException(e.Message + hint, e), errorId, ErrorCategory.InvalidArgument, text));
                return;
            }

            Decode(bytes);
        }

        private void DecodeFiles()
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string path in literal ? LiteralPath : Path)
            {
                foreach (string file in ResolveFiles(path, literal))
                {
                    byte[] bytes;
                    try
                    {
                        bytes = File.ReadAllBytes(file);
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        WriteError(new ErrorRecord(e, "TlvFileUnreadable", ErrorCategory.ReadError, file));
                        continue;
                    }

                    Decode(bytes);
                }
            }
        }

        private IEnumerable<string> ResolveFiles(string path, bool literal)
        {
            var files = new List<string>();
            try
            {
                if (literal)
                {
                    files.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path));
                }
                else
                {
                    files.AddRange(GetResolvedProviderPathFromPSPath(path, out ProviderInfo _));
                }
            }
            catch (ItemNotFoundException e)
            {
                WriteError(new ErrorRecord(e, "TlvFileNotFound", ErrorCategory.ObjectNotFound, path));
            }

            foreach (string file in files)
            {
                if (!File.Exists(file))
                {
                    WriteError(new ErrorRecord(
                        new FileNotFoundException("No file at " + file + ".", file),
                        "TlvFileNotFound",
                        ErrorCategory.ObjectNotFound,
                        path));
                    continue;
                }

                yield return file;
            }
        }

        private void Decode(byte[] buffer)
        {
            var reader = new TlvReader(buffer);
            while (reader.TryRead(out TlvRecord? record))
            {
                WriteObject(Recurse ? WithDecoded(record!) : record);
            }

            if (reader.Error is not null)
            {
                WriteError(new ErrorRecord(reader.Error, "MalformedTlv", ErrorCategory.InvalidData, buffer));
            }
        }

        private TlvRecord WithDecoded(TlvRecord record)
        {
            try
            {
                object? decoded = RecordDecoders.Decode(record);
                return decoded is null ? record : record.WithDecoded(decoded);
            }
            catch (TlvFormatException e)
            {
                WriteError(new ErrorRecord(e, "MalformedTlvValue", ErrorCategory.InvalidData, record));
                return record;
            }
        }
    }
}
