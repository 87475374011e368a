// graphile-worker 0.18 (the dispatch benchmark's peer, a devDependency) declares Node >= 22.18 but runs on
// Node 20.20 (verified: docs/performance.md). engine-strict stays on for everything else.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === 'graphile-worker' && pkg.version === '0.18.0') delete pkg.engines;
      return pkg;
    },
  },
};
