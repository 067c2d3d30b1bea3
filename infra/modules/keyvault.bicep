@description('Key Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string
param location string
param tags object

// Secrets the host reads (set them after deployment, e.g. `az keyvault secret set`):
//   sendgrid-api-key, sendgrid-webhook-public-key, unsubscribe-signing-key, crm-webhook-secret-<dealer>
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
