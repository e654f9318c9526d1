using System;
using System.IO;
using System.Reflection;
using System.Threading;
using McastCrypto.Transport;
#if NET8_0_OR_GREATER
using System.Runtime.Loader;
#endif

namespace McastCrypto.Relay
{
    /// <summary>
    /// Loads the NATS federation bus (McastCrypto.Federation.dll and the NATS client it needs) from the
    /// <c>federation</c> folder beside McastCrypto.dll, only when a relay is federated: importing the
    /// module loads none of it. On .NET 8 and later it goes into a load context of its own, which takes
    /// McastCrypto itself from the module's context (so both agree on <see cref="IFederationBus"/>) and
    /// everything else from the federation folder, so the NATS client's dependencies never clash with
    /// the copies PowerShell loaded. On .NET Framework (Windows PowerShell 5.1) an AssemblyResolve
    /// handler answers only for the assemblies that folder holds.
    /// </summary>
    public static class FederationBusLoader
    {
        /// <summary>The name of the folder, beside McastCrypto.dll, that holds the federation assemblies.</summary>
        public const string FolderName = "federation";

        /// <summary>The name of the load context the federation assemblies go into on .NET 8 and later.</summary>
        public const string LoadContextName = "McastCrypto.Federation";

        private const string AssemblyFileName = "McastCrypto.Federation.dll";
        private const string BusTypeName = "McastCrypto.Federation.NatsFederationBus";

        private static readonly object Gate = new object();
        private static Assembly? loaded;
#if NET8_0_OR_GREATER
        private static AssemblyLoadContext? context;
#endif

        /// <summary>The folder the federation assemblies are loaded from: <c>federation</c> beside McastCrypto.dll.</summary>
        public static string Folder => Path.Combine(Path.GetDirectoryName(typeof(FederationBusLoader).Assembly.Location) ?? ".", FolderName);

        /// <summary>Whether the federation assembly has been loaded in this process.</summary>
        public static bool IsLoaded => Volatile.Read(ref loaded) is not null;

        /// <summary>
        /// Opens a NATS bus to <paramref name="url"/>: it connects in the background and keeps
        /// reconnecting by itself; it does not wait for the server.
        /// </summary>
        /// <param name="url">The NATS server, <c>nats://host:port</c> without credentials.</param>
        /// <param name="maxPending">The most publications that may wait for the connection.</param>
        /// <param name="maxPendingBytes">The most bytes of them.</param>
        /// <param name="credential">The user name and password the NATS server asks for; null for none.</param>
        /// <exception cref="ArgumentException">The address is not a <c>nats://</c> one, or carries credentials.</exception>
        /// <exception cref="FileNotFoundException">The federation folder or its assembly is missing (a module staged without it).</exception>
        public static IFederationBus Open(string url, int maxPending = 4096, long maxPendingBytes = 16L * 1024 * 1024, System.Net.NetworkCredential? credential = null)
        {
            // The address is checked here first, so a bad one is refused before anything is loaded.
            FederationBusUrl.Normalize(url);
            Assembly assembly = Load();
            Type type = assembly.GetType(BusTypeName, throwOnError: true)!;
            try
            {
                return credential is null
                    ? (IFederationBus)Activator.CreateInstance(type, url, maxPending, maxPendingBytes)!
                    : (IFederationBus)Activator.CreateInstance(type, url, maxPending, maxPendingBytes, credential.UserName, credential.Password)!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>Loads McastCrypto.Federation.dll once, in its own context where the runtime has them.</summary>
        internal static Assembly Load()
        {
            lock (Gate)
            {
                if (loaded is not null)
                {
                    return loaded;
                }

                string folder = Folder;
                string path = Path.Combine(folder, AssemblyFileName);
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException(
                        "The federation part of the module is missing: no " + AssemblyFileName + " in '" + folder + "'. Stage the module with ./build.ps1 -Task Build (it copies the federation folder), or reinstall it.",
                        path);
                }

#if NET8_0_OR_GREATER
                context = new FederationLoadContext(folder);
                loaded = context.LoadFromAssemblyPath(path);
#else
                AppDomain.CurrentDomain.AssemblyResolve += (sender, args) => Resolve(folder, new AssemblyName(args.Name));
                loaded = Assembly.LoadFrom(path);
#endif
                return loaded;
            }
        }

#if !NET8_0_OR_GREATER
        /// <summary>Answers for McastCrypto itself and for the assemblies in the federation folder; for nothing else.</summary>
        private static Assembly? Resolve(string folder, AssemblyName name)
        {
            Assembly self = typeof(FederationBusLoader).Assembly;
            if (string.Equals(name.Name, self.GetName().Name, StringComparison.OrdinalIgnoreCase))
            {
                return self;
            }

            if (string.IsNullOrEmpty(name.Name) || name.Name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            {
                return null;
            }

            string candidate = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
        }
#endif

#if NET8_0_OR_GREATER
        /// <summary>
        /// The federation's own load context: McastCrypto from the module's context; an assembly the
        /// runtime itself carries, in the same or a newer version, from the runtime; anything else from
        /// the federation folder.
        /// </summary>
        private sealed class FederationLoadContext : AssemblyLoadContext
        {
            private readonly string folder;

            public FederationLoadContext(string folder)
                : base(LoadContextName, isCollectible: false)
            {
                this.folder = folder;
            }

            protected override Assembly? Load(AssemblyName name)
            {
                Assembly self = typeof(FederationBusLoader).Assembly;
                if (string.Equals(name.Name, self.GetName().Name, StringComparison.OrdinalIgnoreCase))
                {
                    return self;
                }

                if (string.IsNullOrEmpty(name.Name) || name.Name!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                {
                    return null;
                }

                if (RuntimeCarries(name))
                {
                    // Null: the default context gives the runtime's own copy.
                    return null;
                }

                string candidate = Path.Combine(folder, name.Name + ".dll");
                return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
            }

            /// <summary>
            /// Whether the runtime's own assemblies (the shared framework's folder, not the application's:
            /// PowerShell's own dependencies are what the federation must not share) include
            /// <paramref name="name"/> in its version or a newer one.
            /// </summary>
            private static bool RuntimeCarries(AssemblyName name)
            {
                string? framework = Path.GetDirectoryName(typeof(object).Assembly.Location);
                if (string.IsNullOrEmpty(framework) || AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is not string list)
                {
                    return false;
                }

                foreach (string path in list.Split(Path.PathSeparator))
                {
                    if (string.Equals(Path.GetFileNameWithoutExtension(path), name.Name, StringComparison.OrdinalIgnoreCase)
                        && string.Equals(Path.GetDirectoryName(path), framework, StringComparison.Ordinal))
                    {
                        try
                        {
                            Version? version = AssemblyName.GetAssemblyName(path).Version;
                            return name.Version is null || (version is not null && version >= name.Version);
                        }
                        catch (Exception e) when (e is IOException || e is BadImageFormatException || e is UnauthorizedAccessException)
                        {
                            return false;
                        }
                    }
                }

                return false;
            }
        }
#endif
    }
}
