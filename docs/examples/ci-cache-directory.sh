# Any CI whose cache keeps a directory between jobs (GitLab's `cache:`, Jenkins,
# Buildkite, a GitHub actions/cache step): the image, with BuildKit's inline
# cache in it, saved there and loaded by the next job on any runner. The
# dependency layer's only input is poetry.lock, so it survives a version bump.
export DOCKER_BUILDKIT=1
docker load -i .image-cache/app.tar || true
docker build --cache-from app:cache --build-arg BUILDKIT_INLINE_CACHE=1 --tag app:cache --tag "app:$CI_COMMIT_SHA" .
mkdir -p .image-cache && docker save -o .image-cache/app.tar app:cache
