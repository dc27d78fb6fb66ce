# nginx_endpoint.sh (sourced by bench scripts): the loopback endpoint of
# shared/tools/http-ceiling.sh. nginx answers every POST to
# /v1/chat/completions with one fixed ~900-byte chat.completion, keep-alive,
# no access log; it binds 127.0.0.1 only, runs from a temp folder and is
# stopped by its PID.
#
#   nginx_endpoint_session NAME PORT [WORKERS=1] # W = a temp folder /tmp/NAME.*, removed
#                                               # with nginx stopped at exit; nginx started in it
#   nginx_endpoint_start DIR PORT [WORKERS=1]   # sets NGINX_PID
#   nginx_endpoint_stop                         # safe to call twice (EXIT traps)
#   NGINX_REPLY                                 # the fixed reply body

# The fixed reply of http-ceiling.sh (no single quotes or '$' for nginx).
NGINX_REPLY='{"id":"chatcmpl-mock0000000000000000000001","object":"chat.completion","created":1732600000,"model":"mock-vlm-7b","system_fingerprint":"fp_mock0001","choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a red bicycle leaning against a brick wall next to a green wooden door. The correct option is B.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1123,"completion_tokens":27,"total_tokens":1150,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default"}'
NGINX_PID=""

nginx_endpoint_start() {
  local dir=$1 port=$2 workers=${3:-1}
  command -v nginx >/dev/null || { echo "missing tool: nginx (bash scripts/install-bench-deps.sh)" >&2; return 2; }
  mkdir -p "$dir/logs" "$dir/tmp"
  cat > "$dir/nginx.conf" <<NGINX_EOF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  client_max_body_size 32m;
  client_body_buffer_size 1m;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
  tcp_nodelay on;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location = /v1/chat/completions {
      default_type application/json;
      add_header x-request-id req_mock0001 always;
      return 200 '$NGINX_REPLY';
    }
  }
}
NGINX_EOF
  nginx -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf"
  for _ in $(seq 1 50); do [[ -s "$dir/nginx.pid" ]] && break; sleep 0.1; done
  [[ -s "$dir/nginx.pid" ]] || { echo "nginx did not start (see $dir/logs/error.log)" >&2; return 2; }
  NGINX_PID=$(cat "$dir/nginx.pid")
}

nginx_endpoint_stop() {
  if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$NGINX_PID" 2>/dev/null && kill -TERM "$NGINX_PID" 2>/dev/null || true
  fi
  NGINX_PID=""
}

nginx_endpoint_session() {
  local name=$1 port=$2 workers=${3:-1}
  W=$(mktemp -d "/tmp/$name.XXXXXX")
  trap 'nginx_endpoint_stop; rm -rf "$W"' EXIT
  trap 'exit 130' INT TERM
  nginx_endpoint_start "$W/ngx" "$port" "$workers"
}
