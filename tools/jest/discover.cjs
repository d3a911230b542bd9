const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');

/** Config files named `fileName` in any Nx project folder under apps/, libs/ and tools/. */
function discoverProjects(fileName) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 4) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (fs.existsSync(path.join(full, 'project.json')) && fs.existsSync(path.join(full, fileName))) {
        found.push(path.join(full, fileName));
      }
      walk(full, depth + 1);
    }
  };
  for (const top of ['apps', 'libs', 'tools']) if (fs.existsSync(path.join(root, top))) walk(path.join(root, top), 0);
  return found.sort();
}

module.exports = { discoverProjects };
