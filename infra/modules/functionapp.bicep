param planName string
param appName string
param location string
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
param identityClientId string
param storageAccountName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string
param applicationInsightsConnectionString string
param keyVaultUri string
param maximumInstanceCount int
param instanceMemoryMB int
param emailProvider string

var keyVaultName = split(replace(keyVaultUri, 'https://', ''), '.')[0]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
      appSettings: [
        // The Functions host's own storage, through the managed identity (shared keys are off).
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        { name: 'ASPNETCORE_ENVIRONMENT', value: 'Production' }
        // JourneyOrchestrator: Azure Tables + Queues + Blobs through the same identity.
        { name: 'Journeys__Storage__Provider', value: 'AzureStorage' }
        { name: 'Journeys__Storage__AzureStorage__AccountName', value: storageAccountName }
        { name: 'Journeys__Storage__AzureStorage__ManagedIdentityClientId', value: identityClientId }
        { name: 'Journeys__Email__Provider', value: emailProvider }
        { name: 'Journeys__Email__SendGrid__ApiKey', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=sendgrid-api-key)' }
        { name: 'Journeys__Email__SendGrid__WebhookPublicKey', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=sendgrid-webhook-public-key)' }
        { name: 'Journeys__Unsubscribe__SigningKey', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=unsubscribe-signing-key)' }
        { name: 'Journeys__ApiKeys__0__Key', value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=admin-api-key)' }
        { name: 'Journeys__ApiKeys__0__Role', value: 'admin' }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        // A custom handler: host.json points at the published JourneyOrchestrator.Host executable.
        name: 'custom'
        version: '1.0'
      }
    }
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
