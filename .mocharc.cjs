// Mocha's settings: every test under dist/test, unless test files are named on the command line (then only those;
// mocha would otherwise add the named files to the whole suite).
const named = process.argv.slice(2).some((a) => /\.test\.js$/.test(a));
module.exports = {
  ...(named ? {} : { spec: ['dist/test/**/*.test.js'] }),
  require: ['dist/test/support/root-hooks.js'],
  timeout: 120000,
  exit: true,
  reporter: 'spec',
};
