using BenchmarkDotNet.Running;

// One entry point for every benchmark class in this project: pick them with --filter.
BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args);
